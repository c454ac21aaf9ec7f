using System.Text.Json.Serialization;
using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.Schedule;

/// <summary>One upcoming firing: when the cron fires (in the schedule's zone), and when the export then starts if
/// the window makes it wait (null: at once).</summary>
public sealed record PreviewRun(DateTimeOffset At, DateTimeOffset? WaitsUntil);

/// <summary>What an unsaved schedule would do: the Quartz cron its frequency or cron becomes, its zone, and its next
/// runs.</summary>
public sealed record SchedulePreview(string Cron, string Timezone, IReadOnlyList<PreviewRun> Runs);

/// <summary>The schedule being edited (JSON body) and how many runs to show (query only: 1 to 20, 5 when left out).</summary>
public sealed record PreviewScheduleRequest : ScheduleBody, IQueryBound
{
    /// <summary>From the query string only; a "count" in the body is ignored, as any field a schedule does not have.</summary>
    [BindFrom("count"), QueryParam, JsonIgnore(Condition = JsonIgnoreCondition.WhenReading)] public int? Count { get; init; }
}

public sealed class PreviewScheduleValidator : Validator<PreviewScheduleRequest>
{
    public const int MaxCount = 20;

    public PreviewScheduleValidator() => RuleFor(r => r).Custom((r, ctx) =>
    {
        var errors = new Errors();
        if (r.Count is < 1 or > MaxCount) errors.Add("count", $"count is from 1 to {MaxCount}.");
        ScheduleRules.Timing(r, Resolve<IHttpContextAccessor>().HttpContext!.RequestServices, errors);
        ScheduleRules.Report(errors, ctx.AddFailure);
    });
}

/// <summary>POST /schedules/preview?count=5: the next runs of a schedule being edited, before it is saved
/// (frequency or cron, zone, window, startAt and endAt), checked as a save checks them (a cron that never fires or
/// fires too often is a 400 on its field). The template and destinations are not needed and not checked; nothing
/// is stored.</summary>
public sealed class PreviewSchedule(TimeProvider clock) : Endpoint<PreviewScheduleRequest, Results<Ok<SchedulePreview>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Post("/schedules/preview");
        // The schedule's own 400 (ScheduleRules.Invalid: titled "The schedule is not valid"), sent by the handler.
        DontThrowIfValidationFails();
        // Said explicitly: with the body's fields barred from the query string, FastEndpoints would document */*.
        Description(d => d.Accepts<PreviewScheduleRequest>("application/json").WithTags("Schedules").WithSummary("The next runs of a schedule not saved yet (nothing is stored)").ProducesProblem(400));
    }

    public override Task<Results<Ok<SchedulePreview>, ProblemHttpResult>> ExecuteAsync(PreviewScheduleRequest req, CancellationToken ct) =>
        Task.FromResult(Preview(req));

    Results<Ok<SchedulePreview>, ProblemHttpResult> Preview(PreviewScheduleRequest req)
    {
        if (ValidationFailed) return ScheduleRules.Invalid(ValidationFailures);
        var (cron, zone) = ScheduleRules.Translated(req);
        var runs = ScheduleSpec.Next(cron, zone, clock.GetUtcNow(), req.Count ?? 5, req.StartAt, req.EndAt)
            .Select(at => new PreviewRun(at, ScheduleSpec.WaitForWindow(req.Window, zone, at))).ToList();
        return TypedResults.Ok(new SchedulePreview(cron, zone.Id, runs));
    }
}
