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

    /// <summary>Delivers what is not delivered yet. True when a destination was left because another claim on it is
    /// live (a node sending it now, or one that stopped moments ago): ask again once that lease could have lapsed.</summary>
    public async Task<bool> DeliverAsync(Guid exportId, CancellationToken ct) =>
        await records.GetAsync(exportId, ct) is { Status: JobStatus.Completed } job && await DeliverNowAsync(job, ct);

    /// <summary>How long an unrenewed claim on a delivery holds: three renewals (EXPORTS_NODE_STALE_MS apart) missed.</summary>
    public TimeSpan LeaseTime => 3 * settings.Jobs.NodeStale;

    public static IReadOnlyList<Guid> Requested(JsonElement request) =>
        request.TryGetProperty("delivery", out var d) && d.ValueKind == JsonValueKind.Object && d.TryGetProperty("destinations", out var ids) && ids.ValueKind == JsonValueKind.Array
            ? ids.EnumerateArray().Select(x => x.TryGetGuid(out var g) ? g : Guid.Empty).Where(g => g != Guid.Empty).Distinct().ToList()
            : [];

    async Task<bool> DeliverNowAsync(JobRecord job, CancellationToken ct)
    {
        var wanted = Requested(job.Request);
        if (wanted.Count == 0) return false;
        var found = (await destinations.LoadAsync(job.OwnerId, wanted, ct)).ToDictionary(d => d.Id);
        var retry = job.Request.TryGetProperty("retry", out var r) && r.ValueKind == JsonValueKind.Object
            ? r.Deserialize<JobRetry>(JsonSerializerOptions.Web)! : JobRetry.Default;
        var link = $"{settings.PublicUrl}/api/v1/exports/{job.Id}/download?token={Uri.EscapeDataString(links.Create(job.Id, job.ExpiresAt ?? clock.GetUtcNow().AddDays(1)))}";
        var deferred = false;
        foreach (var id in wanted)
        {
            if (!found.TryGetValue(id, out var dest))
            {
                await RecordAsync(job.Id, id, "(deleted)", "unknown", "failed", 0, "The destination no longer exists.", null, null, null, ct);
                continue;
            }
            var claim = await ClaimAsync(job.Id, dest, ct);
            if (claim is not { } claimed)
            {
                deferred |= await LeasedAsync(job.Id, dest.Id, ct); // else: it has its final answer already
                continue;
            }
            var (deliveryId, token) = claimed;
            var lease = new Lease(t => RenewAsync(deliveryId, token, t), settings.Jobs.NodeStale, LeaseTime, ct);
            try
            {
                await DeliverOneAsync(job, dest, deliveryId, token, link, retry, lease.Token);
            }
            catch (OperationCanceledException) when (lease.Lost && !ct.IsCancellationRequested)
            {
                // The claim was taken by another node, or could not be renewed and may lapse: stop sending, and look
                // again later (if another node took it, it delivers and records it; if not, this message does).
                log.LogWarning("Delivery {Delivery} of export {Job} lost its claim; looking again later", deliveryId, job.Id);
                deferred = true;
            }
            finally
            {
                await lease.DisposeAsync(); // no renewal after the release
                await ReleaseAsync(deliveryId, token); // a delivery cut short is free to take at once, not in a lease's time
            }
        }
        return deferred;
    }

    async Task DeliverOneAsync(JobRecord job, Destination dest, Guid deliveryId, string token, string link, JobRetry retry, CancellationToken ct)
    {
        var channel = channels.First(c => c.Kind == dest.Kind);
        var sw = Stopwatch.StartNew();
        if (await NetworkGuard.RefusalAsync(NetworkGuard.HostOf(dest), settings.DeliveryAllowPrivateNetworks, ct) is { } refused)
        {
            await RecordAsync(job.Id, dest.Id, dest.Name, dest.Kind, "failed", 0, refused, null, 0, token, ct);
            return;
        }
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var detail = await channel.DeliverAsync(new DeliveryContext(job, dest, deliveryId, link, t => store.OpenAsync(job.StorageKey, 0, null, t), clock.GetUtcNow()), ct);
                await RecordAsync(job.Id, dest.Id, dest.Name, dest.Kind, "delivered", attempt, null, detail, sw.ElapsedMilliseconds, token, ct);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                var transient = e is TransientDeliveryException;
                log.LogWarning("Delivery of export {Job} to {Kind} destination {Destination} attempt {Attempt} failed: {Error}", job.Id, dest.Kind, dest.Id, attempt, e.Message);
                if (!transient || attempt >= retry.Attempts)
                {
                    await RecordAsync(job.Id, dest.Id, dest.Name, dest.Kind, "failed", attempt, e.Message, null, sw.ElapsedMilliseconds, token, ct);
                    return;
                }
                await RecordAsync(job.Id, dest.Id, dest.Name, dest.Kind, "retrying", attempt, e.Message, null, null, token, ct);
                await Task.Delay(retry.Delay(attempt), ct);
            }
        }
    }

    /// <summary>Claims the delivery row: its id and this claim's token, or null when it has its final answer
    /// (delivered, or failed: a repeated message does not send a failed delivery again) or another claim on it is live.
    /// Times are the database's, so nodes' clocks need not agree.</summary>
    async Task<(Guid Id, string Token)?> ClaimAsync(Guid export, Destination d, CancellationToken ct)
    {
        var token = $"{JobRunner.Node}/{Guid.NewGuid():N}";
        await using var cmd = db.CreateCommand("""
            INSERT INTO export_deliveries (id, export_id, destination_id, destination_name, kind, status, claimed_at, claimed_by)
            VALUES ($1, $2, $3, $4, $5, 'pending', now(), $6)
            ON CONFLICT (export_id, destination_id) DO UPDATE SET status = 'pending', claimed_at = now(), claimed_by = $6
            WHERE export_deliveries.status NOT IN ('delivered', 'failed')
              AND (export_deliveries.claimed_at IS NULL OR export_deliveries.claimed_at <= now() - make_interval(secs => $7))
            RETURNING id
            """);
        foreach (var v in new object[] { Guid.CreateVersion7(), export, d.Id, d.Name, d.Kind, token, LeaseTime.TotalSeconds })
            cmd.Parameters.Add(new NpgsqlParameter { Value = v });
        return await cmd.ExecuteScalarAsync(ct) is Guid g ? (g, token) : null;
    }

    /// <summary>Whether the delivery waits on another live claim (rather than having its final answer).</summary>
    async Task<bool> LeasedAsync(Guid export, Guid destination, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT status NOT IN ('delivered', 'failed') FROM export_deliveries WHERE export_id = $1 AND destination_id = $2");
        cmd.Parameters.Add(new NpgsqlParameter { Value = export });
        cmd.Parameters.Add(new NpgsqlParameter { Value = destination });
        return await cmd.ExecuteScalarAsync(ct) is true;
    }

    /// <summary>Renews this claim; false when it is no longer this claim's (another took it after it lapsed).</summary>
    async Task<bool> RenewAsync(Guid delivery, string token, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("UPDATE export_deliveries SET claimed_at = now() WHERE id = $1 AND claimed_by = $2");
        cmd.Parameters.Add(new NpgsqlParameter { Value = delivery });
        cmd.Parameters.Add(new NpgsqlParameter { Value = token });
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    async Task ReleaseAsync(Guid delivery, string token)
    {
        try
        {
            await using var cmd = db.CreateCommand("UPDATE export_deliveries SET claimed_at = NULL WHERE id = $1 AND claimed_by = $2 AND status IN ('pending', 'retrying')");
            cmd.Parameters.Add(new NpgsqlParameter { Value = delivery });
            cmd.Parameters.Add(new NpgsqlParameter { Value = token });
            await cmd.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception e) { log.LogWarning(e, "Delivery {Delivery} not released; it is free once its lease lapses", delivery); }
    }

    /// <summary>Holds a claim while its delivery runs: renews it every <c>every</c> (each renewal given at most that
    /// long), and cancels <see cref="Token"/> when the claim is lost (taken by another) or has not been renewed for
    /// <c>lease</c> minus one period, before it could lapse and be taken while this node still sends.</summary>
    sealed class Lease : IAsyncDisposable
    {
        readonly CancellationTokenSource _stop = new();
        readonly CancellationTokenSource _work;
        readonly Task _loop;
        public CancellationToken Token => _work.Token;
        public bool Lost { get; private set; }

        public Lease(Func<CancellationToken, Task<bool>> renew, TimeSpan every, TimeSpan lease, CancellationToken outer)
        {
            _work = CancellationTokenSource.CreateLinkedTokenSource(outer);
            _loop = Task.Run(async () =>
            {
                using var timer = new PeriodicTimer(every);
                var renewed = Stopwatch.StartNew();
                try
                {
                    while (await timer.WaitForNextTickAsync(_stop.Token))
                    {
                        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                        attempt.CancelAfter(every);
                        try
                        {
                            if (!await renew(attempt.Token)) { await LoseAsync(); return; } // another claim has it
                            renewed.Restart();
                        }
                        catch (Exception) when (!_stop.IsCancellationRequested) { } // a missed renewal (a blip, a timeout)
                        if (renewed.Elapsed >= lease - every) { await LoseAsync(); return; }
                    }
                }
                catch (OperationCanceledException) { }
            });
        }

        async Task LoseAsync()
        {
            Lost = true;
            await _work.CancelAsync();
        }

        public async ValueTask DisposeAsync()
        {
            if (_stop.IsCancellationRequested) return;
            await _stop.CancelAsync();
            await _loop;
            _stop.Dispose();
            _work.Dispose();
        }
    }

    /// <summary>Records a delivery's state; with a claim's token, only while the row is still that claim's.</summary>
    async Task RecordAsync(Guid export, Guid destination, string name, string kind, string status, int attempts, string? error, string? detail, long? ms, string? token, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            INSERT INTO export_deliveries (id, export_id, destination_id, destination_name, kind, status, attempts, last_error, detail, duration_ms, delivered_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CASE WHEN $6 = 'delivered' THEN now() END)
            ON CONFLICT (export_id, destination_id) DO UPDATE SET status = $6, attempts = $7, last_error = $8, detail = $9, duration_ms = $10,
                delivered_at = CASE WHEN $6 = 'delivered' THEN now() END
            WHERE ($11::text IS NULL AND export_deliveries.status NOT IN ('delivered', 'failed')) OR export_deliveries.claimed_by = $11
            """);
        foreach (var v in new object?[] { Guid.CreateVersion7(), export, destination, name, kind, status, attempts, error, detail, ms, token })
            cmd.Parameters.Add(new NpgsqlParameter { Value = v ?? DBNull.Value });
        cmd.Parameters[7].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text;
        cmd.Parameters[8].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text;
        cmd.Parameters[9].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint;
        cmd.Parameters[10].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text;
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
    public static async Task Handle(DeliverExport message, DeliveryService deliveries, Wolverine.IMessageContext bus, CancellationToken ct)
    {
        // A destination another claim holds: look again once that claim could have lapsed (if its node is alive, it has
        // delivered by then and this finds the final answer; if it died, this one delivers).
        if (await deliveries.DeliverAsync(message.ExportId, ct))
            await Wolverine.MessageBusExtensions.ScheduleAsync(bus, message, deliveries.LeaseTime + TimeSpan.FromSeconds(1), null);
    }
}
