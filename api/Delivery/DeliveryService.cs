using System.Diagnostics;
using System.Text.Json;
using Exports.Host;
using Exports.Jobs;
using Exports.Storage;
using Npgsql;

namespace Exports.Delivery;

public sealed record DeliveryResult(Guid ExportId, Guid DestinationId, string DestinationName, string Kind, string Status, int Attempts,
    string? LastError, string? Detail, long? DurationMs, DateTimeOffset? DeliveredAt);

/// <summary>After an export completes: delivers it to each destination named in its request's
/// <c>delivery.destinations</c>, each with its own attempts and backoff (the request's retry policy, or 3 attempts
/// exponential from 1 s), and records the result per destination. A destination already delivered is skipped, so
/// a recovered job does not deliver twice.</summary>
public sealed class DeliveryService(
    NpgsqlDataSource db, Destinations destinations, IEnumerable<IDeliveryChannel> channels, IArtifactStore store,
    DownloadLinks links, ExportsSettings settings, JobRecords records, IServiceScopeFactory scopes, TimeProvider clock, ILogger<DeliveryService> log) : IJobCompletion
{
    /// <summary>Hands the deliveries to a <see cref="DeliverExport"/> message on the workers' PostgreSQL queue: any worker
    /// node takes it, and if that node dies before or while delivering, another one delivers what is not delivered yet
    /// (a destination delivered before is skipped, and a webhook gets the same Idempotency-Key again).</summary>
    public async Task CompletedAsync(JobRecord job, CancellationToken ct)
    {
        var wanted = Requested(job.Request);
        if (wanted.Count == 0) return;
        // A repeated or recovered message for a completed job: hand off again unless every destination has its final
        // answer (a destination never started, or left by a node that died while sending, is still to deliver; one a
        // live node is sending to is skipped by that node's lease).
        await using (var done = db.CreateCommand("""
            SELECT count(*) FROM export_deliveries WHERE export_id = $1 AND destination_id = ANY($2) AND status IN ('delivered', 'failed')
            """))
        {
            done.Parameters.Add(new NpgsqlParameter { Value = job.Id });
            done.Parameters.Add(new NpgsqlParameter { Value = wanted.ToArray() });
            if (await done.ExecuteScalarAsync(ct) is long n && n >= wanted.Count) return;
        }
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<Wolverine.IMessageBus>().PublishAsync(new DeliverExport(job.Id));
    }

    public async Task DeliverAsync(Guid exportId, CancellationToken ct)
    {
        if (await records.GetAsync(exportId, ct) is { Status: JobStatus.Completed } job) await DeliverNowAsync(job, ct);
    }

    public static IReadOnlyList<Guid> Requested(JsonElement request) =>
        request.TryGetProperty("delivery", out var d) && d.ValueKind == JsonValueKind.Object && d.TryGetProperty("destinations", out var ids) && ids.ValueKind == JsonValueKind.Array
            ? ids.EnumerateArray().Select(x => x.TryGetGuid(out var g) ? g : Guid.Empty).Where(g => g != Guid.Empty).Distinct().ToList()
            : [];

    async Task DeliverNowAsync(JobRecord job, CancellationToken ct)
    {
        var wanted = Requested(job.Request);
        if (wanted.Count == 0) return;
        var found = (await destinations.LoadAsync(job.OwnerId, wanted, ct)).ToDictionary(d => d.Id);
        var retry = job.Request.TryGetProperty("retry", out var r) && r.ValueKind == JsonValueKind.Object
            ? r.Deserialize<JobRetry>(JsonSerializerOptions.Web)! : new JobRetry(3, "exponential", 1000, 30_000, true);
        var link = $"{settings.PublicUrl}/api/v1/exports/{job.Id}/download?token={Uri.EscapeDataString(links.Create(job.Id, job.ExpiresAt ?? clock.GetUtcNow().AddDays(1)))}";
        foreach (var id in wanted)
        {
            if (!found.TryGetValue(id, out var dest))
            {
                await RecordAsync(job.Id, id, "(deleted)", "unknown", "failed", 0, "The destination no longer exists.", null, null, ct);
                continue;
            }
            var deliveryId = await ClaimAsync(job.Id, dest, ct);
            if (deliveryId is null) continue; // delivered before, or another live node is sending it now
            await using var lease = new Lease(t => RenewAsync(deliveryId.Value, t), settings.Jobs.NodeStale);
            var channel = channels.First(c => c.Kind == dest.Kind);
            var sw = Stopwatch.StartNew();
            if (await NetworkGuard.RefusalAsync(NetworkGuard.HostOf(dest), settings.DeliveryAllowPrivateNetworks, ct) is { } refused)
            {
                await RecordAsync(job.Id, id, dest.Name, dest.Kind, "failed", 0, refused, null, 0, ct);
                continue;
            }
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    var detail = await channel.DeliverAsync(new DeliveryContext(job, dest, deliveryId.Value, link, t => store.OpenAsync(job.StorageKey, 0, null, t), clock.GetUtcNow()), ct);
                    await RecordAsync(job.Id, id, dest.Name, dest.Kind, "delivered", attempt, null, detail, sw.ElapsedMilliseconds, ct);
                    break;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    var transient = e is TransientDeliveryException;
                    log.LogWarning("Delivery of export {Job} to {Kind} destination {Destination} attempt {Attempt} failed: {Error}", job.Id, dest.Kind, dest.Id, attempt, e.Message);
                    if (!transient || attempt >= retry.Attempts)
                    {
                        await RecordAsync(job.Id, id, dest.Name, dest.Kind, "failed", attempt, e.Message, null, sw.ElapsedMilliseconds, ct);
                        break;
                    }
                    await RecordAsync(job.Id, id, dest.Name, dest.Kind, "retrying", attempt, e.Message, null, null, ct);
                    await Task.Delay(retry.Delay(attempt), ct);
                }
            }
        }
    }

    /// <summary>Claims the delivery row for this node: null when it was delivered already, or when another node holds
    /// a live lease on it (renewed every EXPORTS_NODE_STALE_MS while it sends or waits to retry; three missed
    /// renewals free it).</summary>
    async Task<Guid?> ClaimAsync(Guid export, Destination d, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var cmd = db.CreateCommand("""
            INSERT INTO export_deliveries (id, export_id, destination_id, destination_name, kind, status, claimed_at, claimed_by)
            VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7)
            ON CONFLICT (export_id, destination_id) DO UPDATE SET status = 'pending', claimed_at = $6, claimed_by = $7
            WHERE export_deliveries.status <> 'delivered'
              AND NOT (export_deliveries.status IN ('pending', 'retrying') AND export_deliveries.claimed_at > $8)
            RETURNING id
            """);
        foreach (var v in new object[] { Guid.CreateVersion7(), export, d.Id, d.Name, d.Kind, now, JobRunner.Node, now - 3 * settings.Jobs.NodeStale })
            cmd.Parameters.Add(new NpgsqlParameter { Value = v });
        return await cmd.ExecuteScalarAsync(ct) is Guid g ? g : null;
    }

    async Task RenewAsync(Guid delivery, CancellationToken ct)
    {
        try
        {
            await using var cmd = db.CreateCommand("UPDATE export_deliveries SET claimed_at = $2 WHERE id = $1 AND claimed_by = $3");
            cmd.Parameters.Add(new NpgsqlParameter { Value = delivery });
            cmd.Parameters.Add(new NpgsqlParameter { Value = clock.GetUtcNow() });
            cmd.Parameters.Add(new NpgsqlParameter { Value = JobRunner.Node });
            await cmd.ExecuteNonQueryAsync(ct);
        }
        catch (NpgsqlException e) { log.LogWarning(e, "Delivery lease {Delivery} not renewed", delivery); }
    }

    /// <summary>Renews a claimed delivery's lease every <c>every</c> until disposed.</summary>
    sealed class Lease : IAsyncDisposable
    {
        readonly CancellationTokenSource _stop = new();
        readonly Task _loop;

        public Lease(Func<CancellationToken, Task> renew, TimeSpan every) => _loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(every);
            try { while (await timer.WaitForNextTickAsync(_stop.Token)) await renew(_stop.Token); }
            catch (OperationCanceledException) { }
        });

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            _stop.Dispose();
        }
    }

    async Task RecordAsync(Guid export, Guid destination, string name, string kind, string status, int attempts, string? error, string? detail, long? ms, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            INSERT INTO export_deliveries (id, export_id, destination_id, destination_name, kind, status, attempts, last_error, detail, duration_ms, delivered_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CASE WHEN $6 = 'delivered' THEN now() END)
            ON CONFLICT (export_id, destination_id) DO UPDATE SET status = $6, attempts = $7, last_error = $8, detail = $9, duration_ms = $10,
                delivered_at = CASE WHEN $6 = 'delivered' THEN now() END
            """);
        foreach (var v in new object?[] { Guid.CreateVersion7(), export, destination, name, kind, status, attempts, error, detail, ms })
            cmd.Parameters.Add(new NpgsqlParameter { Value = v ?? DBNull.Value });
        cmd.Parameters[7].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text;
        cmd.Parameters[8].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text;
        cmd.Parameters[9].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint;
        await cmd.ExecuteNonQueryAsync(CancellationToken.None);
    }

    public async Task<List<DeliveryResult>> ResultsAsync(IReadOnlyCollection<Guid> exports, CancellationToken ct)
    {
        if (exports.Count == 0) return [];
        await using var cmd = db.CreateCommand("""
            SELECT export_id, destination_id, destination_name, kind, status, attempts, last_error, detail, duration_ms, delivered_at
            FROM export_deliveries WHERE export_id = ANY($1) ORDER BY destination_name
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = exports.ToArray() });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<DeliveryResult>();
        while (await r.ReadAsync(ct))
            list.Add(new DeliveryResult(r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetInt32(5),
                r.IsDBNull(6) ? null : r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7), r.IsDBNull(8) ? null : r.GetInt64(8),
                r.IsDBNull(9) ? null : r.GetFieldValue<DateTimeOffset>(9)));
        return list;
    }
}

/// <summary>Deliver a finished export to the destinations its request names (what is not delivered yet).</summary>
public sealed record DeliverExport(Guid ExportId)
{
    public const string Queue = "deliveries";
}

/// <summary>The durable half of delivery: one message per finished export that names destinations.</summary>
public static class DeliverExportHandler
{
    public static Task Handle(DeliverExport message, DeliveryService deliveries, CancellationToken ct) => deliveries.DeliverAsync(message.ExportId, ct);
}
