using Exports.Data;
using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Marten;
using Npgsql;
using Microsoft.AspNetCore.Http.HttpResults;
using Quartz;

namespace Exports.Features.Schedule;

public sealed class CreateScheduleValidator : Validator<ScheduleBody>
{
    public CreateScheduleValidator() =>
        RuleFor(b => b).CustomAsync((b, ctx, ct) => ScheduleRules.CheckAsync(b, Resolve<IHttpContextAccessor>().HttpContext!, ctx.AddFailure, ct));
}

/// <summary>POST /schedules: runs a template on a frequency or cron in a time zone. Everything is checked first (the
/// cron must fire, not too often, within sane dates; a 400 titled as the schedule's); then the row and its Quartz
/// trigger are saved as one (<see cref="ScheduleTriggers.SaveAsync"/>): both, or neither and a 503.</summary>
public sealed class CreateSchedule(IDocumentStore store, NpgsqlDataSource db, TemplateReader templates, ISchedulerFactory schedulers, TimeProvider clock, ILogger<ScheduleJob> log)
    : Endpoint<ScheduleBody, Results<Created<ScheduleView>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Post("/schedules");
        // The schedule's own 400 (ScheduleRules.Invalid: titled "The schedule is not valid"), sent by the handler.
        DontThrowIfValidationFails();
        // Said explicitly: with the body's fields barred from the query string, FastEndpoints would document */*.
        Description(d => d.Accepts<ScheduleBody>("application/json").WithTags("Schedules").WithSummary("Schedule a template").ProducesProblem(400).ProducesProblem(503));
    }

    public override async Task<Results<Created<ScheduleView>, ProblemHttpResult>> ExecuteAsync(ScheduleBody body, CancellationToken ct)
    {
        if (ValidationFailed) return ScheduleRules.Invalid(ValidationFailures);
        var (cron, zone) = ScheduleRules.Translated(body);
        var tz = zone.Id;
        var now = clock.GetUtcNow();
        var template = await templates.OwnedAsync(User.OwnerId(), body.TemplateId!.Value, ct);
        if (template is null) return Problems.Field("templateId", $"No template {body.TemplateId}.");
        var s = new ExportSchedule
        {
            Id = Guid.CreateVersion7(now), OwnerId = User.OwnerId(), TemplateId = body.TemplateId!.Value,
            Name = body.Name?.Trim() is { Length: > 0 } n ? n : template.Name, Spec = ScheduleRules.Store(body, tz),
            Cron = cron, Timezone = tz, Active = body.Active ?? true, CreatedAt = now.ToMicroseconds(), UpdatedAt = now.ToMicroseconds(),
        };
        var plan = ScheduleTriggers.Plan(s, body, clock);
        if (plan.NeverFires) return ScheduleRules.NeverFires(body);
        if (!await ScheduleTriggers.SaveAsync(store, db, await schedulers.GetScheduler(ct), s.Id, plan, null, session => session.Insert(s), log, ct)) return ScheduleTriggers.Unavailable(HttpContext);
        return TypedResults.Created($"/api/v1/schedules/{s.Id}", ScheduleView.From(s, clock));
    }
}
