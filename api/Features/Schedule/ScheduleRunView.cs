using Exports.Data;
using Exports.Jobs;

namespace Exports.Features.Schedule;

/// <summary>One run of a schedule with its export's state and deliveries; refused ticks folded into it are counted
/// in <see cref="Repeats"/>, the latest being <see cref="LastScheduledFor"/>.</summary>
public sealed record RunView(Guid Id, string Trigger, DateTimeOffset ScheduledFor, DateTimeOffset StartedAt, string Status, string? Error,
    Guid? ExportId, string? ExportStatus, string? FileName, long? SizeBytes, long? RowCount, string? ExportError,
    IReadOnlyList<Exports.Delivery.DeliveryResult> Deliveries, int Repeats = 0, DateTimeOffset? LastScheduledFor = null)
{
    /// <summary>Runs with their exports' state: one query for all the exports, not one per run.</summary>
    public static async Task<List<RunView>> ManyAsync(JobRecords jobs, Exports.Delivery.DeliveryService deliveries, Guid owner, List<ScheduleRun> runs, CancellationToken ct)
    {
        var ids = runs.Where(r => r.ExportId is not null).Select(r => r.ExportId!.Value).ToArray();
        var exports = (await jobs.ManyAsync(owner, ids, ct)).ToDictionary(j => j.Id);
        var results = (await deliveries.ResultsAsync(exports.Keys.ToArray(), ct)).ToLookup(d => d.ExportId);
        return runs.Select(r =>
        {
            var j = r.ExportId is { } e && exports.TryGetValue(e, out var x) ? x : null;
            return new RunView(r.Id, r.Trigger.Name(), r.ScheduledFor, r.StartedAt, r.Status.Name(), r.Error, r.ExportId, j?.Status, j?.FileName, j?.SizeBytes, j?.RowCount, j?.Error,
                j is null ? [] : results[j.Id].ToList(), r.Repeats, r.LastScheduledFor);
        }).ToList();
    }
}
