using Exports.Host;
using Exports.Storage;

namespace Exports.Jobs;

/// <summary>Sweep retention now (a recurring Wolverine message, every five minutes on the worker nodes).</summary>
public sealed record SweepRetention;

/// <summary>Runs <see cref="RetentionSweep"/> for each <see cref="SweepRetention"/> message.</summary>
public static class SweepRetentionHandler
{
    public static Task Handle(SweepRetention _, RetentionSweep sweep, CancellationToken ct) => sweep.RunAsync(ct);
}

/// <summary>Deletes the artifacts of completed exports past their expiry and marks the records expired; the record
/// stays in history. Also prunes the submission ledger to the quota's hour. Safe to run on two nodes at once: every
/// step is a conditional update, and a deleted file is deleted again without harm.</summary>
public sealed class RetentionSweep(JobRecords records, IArtifactStore store, TimeProvider clock, ILogger<RetentionSweep> log, ExportsSettings settings,
    Exports.Series.LiveLog live)
{
    /// <summary>How much longer than the idle limit a direct download's record may go without a beat.</summary>
    public static readonly TimeSpan DirectMargin = TimeSpan.FromMinutes(1);
    /// <summary>How long a revoked or expired stream token is still listed before the sweep deletes it.</summary>
    public static readonly TimeSpan StreamTokenRetention = TimeSpan.FromDays(1);

    /// <summary>Returns how many exports expired.</summary>
    public async Task<int> RunAsync(CancellationToken ct)
    {
        var total = 0;
        // A direct download beats its record while it streams; one no node has beaten for longer than a client may stay
        // idle (EXPORTS_STREAM_IDLE_SECONDS) plus a margin was cut off with its node.
        var now = clock.GetUtcNow();
        var stale = await records.FailStaleDirectAsync(now, now - settings.Streams.Idle - DirectMargin, now + settings.Jobs.Retention, ct);
        if (stale > 0) log.LogWarning("Retention: {Count} direct downloads left processing by a stopped node were failed", stale);
        while (true)
        {
            var batch = await records.ExpiredAsync(clock.GetUtcNow(), 200, ct);
            var failed = 0;
            foreach (var job in batch)
            {
                try { if (!job.Direct) await store.DeleteAsync(job.StorageKey, ct); } // a direct download stored no file
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // One file the store will not delete must not stop retention for every later export.
                    log.LogError(e, "Retention: could not delete the file of export {Job}; will retry", job.Id);
                    failed++;
                    continue;
                }
                if (await records.MarkExpiredAsync(job.Id, clock.GetUtcNow(), ct)) total++;
            }
            if (batch.Count < 200 || failed == batch.Count) break;
        }
        if (total > 0) log.LogInformation("Retention: {Count} exports expired and their files deleted", total);
        await records.PruneLedgerAsync(clock.GetUtcNow(), ct);
        // The live log keeps EXPORTS_LIVE_RETENTION_MINUTES (a stream resuming from older says "gap"); what an active
        // sink still owes, up to EXPORTS_SINK_MAX_LAG_MINUTES (the sink is then told what it lost).
        var swept = await live.SweepAsync(clock.GetUtcNow() - settings.Live.Retention, ct, clock.GetUtcNow() - settings.SinkMaxLag);
        if (swept > 0) log.LogInformation("Retention: {Count} live events past EXPORTS_LIVE_RETENTION_MINUTES deleted", swept);
        var pruned = await live.PruneTokensAsync(clock.GetUtcNow() - StreamTokenRetention, ct);
        if (pruned > 0) log.LogInformation("Retention: {Count} stream tokens revoked or expired over a day ago deleted", pruned);
        var lapsed = await live.PruneWatchersAsync(ct);
        if (lapsed > 0) log.LogInformation("Retention: {Count} lapsed live watchers deleted", lapsed);
        return total;
    }
}
