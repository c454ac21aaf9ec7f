using Exports.Host;
using Exports.Shared;

namespace Exports.Features.Schedule;

/// <summary>One upcoming firing: when the cron fires (in the schedule's zone), and when the export then starts if
/// the window makes it wait (null: at once).</summary>
public sealed record PreviewRun(DateTimeOffset At, DateTimeOffset? WaitsUntil);

/// <summary>What an unsaved schedule would do: the Quartz cron its frequency or cron becomes, its zone, and its next
/// runs.</summary>
public sealed record SchedulePreview(string Cron, string Timezone, IReadOnlyList<PreviewRun> Runs);

/// <summary>POST /api/v1/schedules/preview?count=5: the next runs of a schedule being edited, before it is saved
/// (frequency or cron, zone, window, startAt and endAt), checked as a save checks them (a cron that never fires or
/// fires too often is a 400 on its field). The template and destinations are not needed and not checked; nothing
/// is stored.</summary>
public static class PreviewSchedule
{
    public const int MaxCount = 20;

    public static void Map(RouteGroupBuilder g) =>
        g.MapPost("/schedules/preview", (ScheduleBody body, int? count, ExportsSettings settings, TimeProvider clock) =>
            {
                var errors = new Errors();
                if (count is < 1 or > MaxCount) errors.Add("count", $"count is from 1 to {MaxCount}.");
                var (cron, zone) = ScheduleSpec.Translate(body, errors);
                var now = clock.GetUtcNow();
                if (cron is not null && zone is not null) ScheduleSpec.CheckTimes(body, cron, zone, now, settings.Jobs.ScheduleMinInterval, errors);
                if (errors.Any) return (IResult)Problems.Validation(errors.ToDictionary(), "The schedule is not valid");
                var runs = ScheduleSpec.Next(cron!, zone!, now, count ?? 5, body.StartAt, body.EndAt)
                    .Select(at => new PreviewRun(at, ScheduleSpec.WaitForWindow(body.Window, zone!, at))).ToList();
                return TypedResults.Ok(new SchedulePreview(cron!, zone!.Id, runs));
            })
            .WithTags("Schedules").WithSummary("The next runs of a schedule not saved yet (nothing is stored)")
            .Produces<SchedulePreview>().ProducesProblem(400);
}
