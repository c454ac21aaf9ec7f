using System.Security.Claims;
using System.Text.Json;
using Exports.Data;
using Exports.Host;
using Exports.Jobs;
using Microsoft.EntityFrameworkCore;

namespace Exports.Features.Schedule;

public sealed record RunView(Guid Id, string Trigger, DateTimeOffset ScheduledFor, DateTimeOffset StartedAt, string Status, string? Error,
    Guid? ExportId, string? ExportStatus, string? FileName, long? SizeBytes, long? RowCount, string? ExportError,
    IReadOnlyList<Exports.Delivery.DeliveryResult> Deliveries, int Repeats = 0, DateTimeOffset? LastScheduledFor = null);

/// <summary>POST /schedules/{id}/run (now), GET /schedules/{id}/runs (each with its export's state) and
/// GET /schedules/{id}/next?count=5 (fire times in the schedule's zone).</summary>
public static class ScheduleRuns
{
    public static void Map(RouteGroupBuilder g)
    {
        g.MapPost("/schedules/{id:guid}/run", async (Guid id, ExportsDb db, TemplateRuns runs, JobRecords jobs, Exports.Delivery.DeliveryService deliveries, TimeProvider clock, ClaimsPrincipal user, CancellationToken ct) =>
            {
                var owner = user.OwnerId();
                if (await db.Schedules.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id && s.OwnerId == owner, ct) is not { } s)
                    return (IResult)Problems.NotFound($"No schedule {id}.");
                var run = await ScheduleJob.RunAsync(db, runs, s, "manual", clock.GetUtcNow(), clock, ct);
                if (run is null) return Problems.Status(409, "This run was already made", "Try again in a moment.");
                return TypedResults.Accepted($"/api/v1/schedules/{id}/runs", (await ViewAsync(jobs, deliveries, owner, [run], ct))[0]);
            })
            .WithTags("Schedules").WithSummary("Run a schedule's template now").Produces<RunView>(202).ProducesProblem(404);

        g.MapGet("/schedules/{id:guid}/runs", async (Guid id, int? limit, ExportsDb db, JobRecords jobs, Exports.Delivery.DeliveryService deliveries, ClaimsPrincipal user, CancellationToken ct) =>
            {
                var owner = user.OwnerId();
                if (!await db.Schedules.AnyAsync(s => s.Id == id && s.OwnerId == owner, ct)) return (IResult)Problems.NotFound($"No schedule {id}.");
                var list = await db.ScheduleRuns.AsNoTracking().Where(r => r.ScheduleId == id).OrderByDescending(r => r.StartedAt)
                    .Take(Math.Clamp(limit ?? 50, 1, 500)).ToListAsync(ct);
                return TypedResults.Ok(await ViewAsync(jobs, deliveries, owner, list, ct));
            })
            .WithTags("Schedules").WithSummary("A schedule's runs, each linked to its export").Produces<List<RunView>>().ProducesProblem(404);

        g.MapGet("/schedules/{id:guid}/next", async (Guid id, int? count, ExportsDb db, TimeProvider clock, ClaimsPrincipal user, CancellationToken ct) =>
            {
                if (count is < 1 or > 100) return (IResult)Problems.Field("count", "count is from 1 to 100.");
                var owner = user.OwnerId();
                if (await db.Schedules.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id && s.OwnerId == owner, ct) is not { } s)
                    return Problems.NotFound($"No schedule {id}.");
                return TypedResults.Ok(ScheduleView.FireTimes(s, clock, count ?? 5));
            })
            .WithTags("Schedules").WithSummary("The next fire times, in the schedule's time zone").Produces<List<DateTimeOffset>>().ProducesProblem(404);
    }

    /// <summary>Runs with their exports' state: one query for all the exports, not one per run.</summary>
    static async Task<List<RunView>> ViewAsync(JobRecords jobs, Exports.Delivery.DeliveryService deliveries, Guid owner, List<ScheduleRun> runs, CancellationToken ct)
    {
        var ids = runs.Where(r => r.ExportId is not null).Select(r => r.ExportId!.Value).ToArray();
        var exports = (await jobs.ManyAsync(owner, ids, ct)).ToDictionary(j => j.Id);
        var results = (await deliveries.ResultsAsync(exports.Keys.ToArray(), ct)).ToLookup(d => d.ExportId);
        return runs.Select(r =>
        {
            var j = r.ExportId is { } e && exports.TryGetValue(e, out var x) ? x : null;
            return new RunView(r.Id, r.Trigger, r.ScheduledFor, r.StartedAt, r.Status, r.Error, r.ExportId, j?.Status, j?.FileName, j?.SizeBytes, j?.RowCount, j?.Error,
                j is null ? [] : results[j.Id].ToList(), r.Repeats, r.LastScheduledFor);
        }).ToList();
    }
}

public static class ScheduleEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        CreateSchedule.Map(api);
        ManageSchedules.Map(api);
        ScheduleRuns.Map(api);
        PreviewSchedule.Map(api);
    }
}
