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

public sealed record UpdateScheduleRequest : ScheduleBody
{
    public Guid Id { get; init; }
}

public sealed class UpdateScheduleValidator : Validator<UpdateScheduleRequest>
{
    public UpdateScheduleValidator() =>
        RuleFor(b => b).CustomAsync((b, ctx, ct) => ScheduleRules.CheckAsync(b, Resolve<IHttpContextAccessor>().HttpContext!, ctx.AddFailure, ct));
}

/// <summary>PUT /schedules/{id}: replaces the schedule's body (checked as a create checks it, once the schedule is
/// found); the row and its trigger change as one, or nothing changes and the answer is 503.</summary>
public sealed class UpdateSchedule(IDocumentStore store, IQuerySession docs, NpgsqlDataSource db, ISchedulerFactory schedulers, TimeProvider clock, ILogger<ScheduleJob> log)
    : Endpoint<UpdateScheduleRequest, Results<Ok<ScheduleView>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Put("/schedules/{id:guid}");
        // The schedule's own 400 (ScheduleRules.Invalid, titled "The schedule is not valid"), sent by the handler
        // after the 404: an unknown id is a 404 whatever its body.
        DontThrowIfValidationFails();
        // Said explicitly: with the body's fields barred from the query string, FastEndpoints would document */*.
        Description(d => d.Accepts<UpdateScheduleRequest>("application/json").WithTags("Schedules").WithSummary("Change a schedule").ProducesProblem(400).ProducesProblem(404).ProducesProblem(503));
    }

    public override async Task<Results<Ok<ScheduleView>, ProblemHttpResult>> ExecuteAsync(UpdateScheduleRequest req, CancellationToken ct)
    {
        if (await ScheduleQueries.FindAsync(docs, User.OwnerId(), req.Id, ct) is not { } s) return Problems.NotFound($"No schedule {req.Id}.");
        if (ValidationFailed) return ScheduleRules.Invalid(ValidationFailures);
        var (cron, zone) = ScheduleRules.Translated(req);
        var tz = zone.Id;
        var previous = ScheduleTriggers.Plan(s, ScheduleRules.Spec(s), clock);
        (s.TemplateId, s.Cron, s.Timezone, s.Active, s.UpdatedAt) = (req.TemplateId!.Value, cron, tz, req.Active ?? s.Active, clock.GetUtcNow().ToMicroseconds());
        if (req.Name?.Trim() is { Length: > 0 } n) s.Name = n;
        s.Spec = ScheduleRules.Store(req, tz);
        var plan = ScheduleTriggers.Plan(s, req, clock);
        if (plan.NeverFires) return ScheduleRules.NeverFires(req);
        if (!await ScheduleTriggers.SaveAsync(store, db, await schedulers.GetScheduler(ct), req.Id, plan, previous, session => session.Store(s), log, ct)) return ScheduleTriggers.Unavailable(HttpContext);
        return TypedResults.Ok(ScheduleView.From(s, clock));
    }
}
