using Exports.Storage;
using Exports.Host;
using Exports.Series;
using Exports.Shared;
using Npgsql;
using Wolverine;
using Wolverine.RDBMS;
using Wolverine.Runtime;

namespace Exports.Jobs;

/// <summary>Why a submission was refused: a Problem Details status, title and detail, field errors, and for quota
/// refusals when to try again.</summary>
public sealed record Refusal(int Status, string Title, string? Detail = null, Dictionary<string, string[]>? Fields = null, TimeSpan? RetryAfter = null);

public sealed record Submitted(JobRecord Job, bool Replayed);

/// <summary>The submit handler: takes a planning place, checks the envelope and prepares and sizes the export (the
/// queries), has <see cref="JobPlanner"/> make the pending record, then under the owner's lock answers a repeated
/// Idempotency-Key, asks <see cref="QuotaPolicy"/> about the owner's usage, and records the job (and its line in the
/// submission ledger the hourly quota counts, which deleting history does not touch) and publishes its
/// <see cref="RunExport"/> message in the same transaction (Wolverine's outbox): a job is recorded with its message or
/// not at all, so no record waits for a run that will never come, and no message runs for a job that was not
/// recorded. Cancel and delete are their endpoints' own (History).</summary>
public sealed class JobQueue(
    NpgsqlDataSource db, SeriesExports series, JobRecords records, IServiceScopeFactory scopes, IWolverineRuntime runtime, IArtifactStore store,
    ExportsSettings settings, TimeProvider clock, ILogger<JobQueue> log, IDeliveryTargets? targets = null, ExportGate? gate = null,
    ResultCache? cache = null, OwnerTurns? turns = null)
{
    readonly OwnerTurns _turns = turns ?? new();

    public const string Group = "exports";
    QuotaPolicy Quotas => QuotaPolicy.From(settings.Jobs);

    /// <param name="recorded">Runs inside the transaction that records a new job (not a replay), so whatever it
    /// writes (a schedule's run row) commits with the job or not at all.</param>
    /// <param name="use">What the result cache may do with this export (<c>Cache-Control</c>: <c>no-cache</c> computes
    /// it afresh even when the cache holds it; <c>no-store</c> also keeps it from answering later requests).</param>
    public async Task<(Submitted? Ok, Refusal? Refused)> SubmitAsync(Guid owner, ExportEnvelope envelope, string? idempotencyKey, CancellationToken ct,
        Func<NpgsqlConnection, JobRecord, CancellationToken, Task>? recorded = null, CacheUse use = CacheUse.ReadAndStore)
    {
        if (idempotencyKey is { } ik && (ik.Length is 0 or > 200 || ik.Any(char.IsControl)))
            return (null, new Refusal(400, "The request is not valid", null,
                new() { ["Idempotency-Key"] = ["The Idempotency-Key header must have 1 to 200 printable characters."] }));
        var (planned, refusal) = await PlanAsync(owner, envelope, ct, use);
        if (planned is null) return (null, refusal);
        var job = planned with { IdempotencyKey = idempotencyKey, CacheNoStore = use == CacheUse.None };
        var id = job.Id;
        var now = job.CreatedAt;

        // A cache hit: the job gets its own link (or copy) of the earlier export's file before it is recorded
        // completed, and before the owner's lock and the transaction (the target is this job's own key, so nothing
        // else writes it; a slow fallback copy holds neither). If that file went meanwhile (deleted, expired) or the
        // store fails (S3 403, a full disk), the job is computed afresh instead. The link is deleted again unless the
        // job that names it commits.
        var hit = job.Cache?.Source;
        var linked = hit is not null && await LinkAsync(hit, job, ct);
        if (!linked) job = job with { Cache = null };
        var committed = false;
        await using var scope = scopes.CreateAsyncScope();
        var bus = (MessageContext)scope.ServiceProvider.GetRequiredService<IMessageContext>();
        try
        {
            // The owner's turn on this node first, then a connection (see OwnerTurns).
            using var turn = await _turns.WaitAsync(owner, ct);
            await using (var conn = await db.OpenConnectionAsync(ct))
            await using (var tx = await conn.BeginTransactionAsync(ct))
            {
                // One round trip: the owner's lock (held to the commit, so one owner's submissions count the quotas one at a
                // time), a repeated Idempotency-Key's job, and the quota usage; then one statement records the job, its ledger
                // line and its queued event (JobRecords.InsertSubmittedAsync).
                var (existing, usage) = await LockAndReadAsync(conn, tx, owner, idempotencyKey, now, ct);
                if (existing is not null)
                {
                    await tx.CommitAsync(ct);
                    return existing.RequestHash == job.RequestHash || JobPlanner.SameRequest(existing.Request, job.Request, job.RequestHash)
                        ? (new Submitted(existing, Replayed: true), null)
                        : (null, new Refusal(422, "Idempotency-Key already used for a different request",
                            "Send a new key for a new export; repeat a key only to repeat the same request."));
                }
                if (Quotas.Check(usage, now) is { } refused) return (null, refused);
                await records.InsertSubmittedAsync(conn, job, new JobQueued(now, owner, job.Kind, job.Format), ct);
                if (linked)
                {
                    await JobRecords.CompleteFromCacheAsync(conn, job, hit!, JobRunner.Node, now, now + settings.Jobs.Retention, ct);
                    await records.AppendAsync(tx, id, ct, new JobCompleted(now, JobRunner.Node, hit!.Rows, hit.Bytes, hit.Checksum, hit.Id));
                }
                await bus.EnlistInOutboxAsync(new DatabaseEnvelopeTransaction((IMessageDatabase)runtime.Storage, tx));
                // A hit has nothing to run; its message only hands it to its deliveries (a completed job's message does that).
                if (!linked || envelope.Delivery?.Destinations is { Count: > 0 }) await bus.PublishAsync(new RunExport(id));
                if (recorded is not null) await recorded(conn, job, ct);
                // From here the client's disconnect must not stop the commit halfway: the job and its message commit together.
                await tx.CommitAsync(CancellationToken.None);
                committed = true;
            }
        }
        finally
        {
            // Not recorded (a replay, a quota refusal, a failure): the link belongs to no job.
            if (linked && !committed) await store.DeleteAsync(job.StorageKey, CancellationToken.None);
        }
        if (linked) job = await records.GetAsync(id, CancellationToken.None) ?? job;
        // Sends the committed message to the queue now; if this node dies first, Wolverine's outbox recovery sends it.
        // The job is committed: whatever happens now, the client is told so (outbox recovery sends an unsent message).
        try { await bus.FlushOutgoingMessagesAsync(); }
        catch (Exception e) { log.LogWarning(e, "Export job {Job} is queued; its message goes out with outbox recovery", id); }
        return (new Submitted(job, Replayed: false), null);
    }

    /// <summary>Takes the owner's submission lock in <paramref name="tx"/> and, in the same round trip, reads the job an
    /// earlier submission recorded under <paramref name="idempotencyKey"/> (if any) and the owner's quota usage.</summary>
    static async Task<(JobRecord? Existing, QuotaUsage Usage)> LockAndReadAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid owner, string? idempotencyKey,
        DateTimeOffset now, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(conn, tx);
        var lockCmd = new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))");
        lockCmd.Parameters.Add(new NpgsqlParameter { Value = "exports:" + owner });
        batch.BatchCommands.Add(lockCmd);
        if (idempotencyKey is not null)
        {
            var find = new NpgsqlBatchCommand(JobRecords.ByIdempotencyKeySql);
            find.Parameters.Add(new NpgsqlParameter { Value = owner });
            find.Parameters.Add(new NpgsqlParameter { Value = idempotencyKey });
            batch.BatchCommands.Add(find);
        }
        foreach (var c in QuotaLedger.Commands(owner, now)) batch.BatchCommands.Add(c);
        await using var r = await batch.ExecuteReaderAsync(ct);
        await r.NextResultAsync(ct); // the lock's row
        JobRecord? existing = null;
        if (idempotencyKey is not null)
        {
            if (await r.ReadAsync(ct)) existing = JobRecords.ReadRecord(r);
            await r.NextResultAsync(ct);
        }
        await r.ReadAsync(ct);
        return (existing, QuotaLedger.ReadUsage(r));
    }

    /// <summary>Validates an envelope as the synchronous endpoints would and makes the pending record (file name,
    /// media type, storage key, estimate), without storing or scheduling it.</summary>
    /// <param name="use">Whether the result cache may answer it (<see cref="CacheUse.ReadAndStore"/> only).</param>
    public async Task<(JobRecord? Job, Refusal? Refused)> PlanAsync(Guid owner, ExportEnvelope envelope, CancellationToken ct, CacheUse use = CacheUse.ReadAndStore)
    {
        // Validating and sizing runs queries: they take a planning place like the synchronous exports, so a burst of
        // submissions queues here instead of draining the pool.
        using var planning = gate is null ? null : await gate.PlanAsync(ct);
        if (gate is not null && planning is null)
            return (null, new Refusal(503, "Too many exports being prepared",
                $"This server prepares at most {settings.PlanningSlots} exports at once and none was free; nothing was queued. Retry shortly.",
                RetryAfter: TimeSpan.FromSeconds(5)));
        var errors = new Errors();
        var e = envelope.Normalized(errors);
        // The owner's destinations: the one check of the envelope that needs the database.
        if (e.Delivery?.Destinations is { } ids && targets is not null)
            foreach (var missing in await targets.MissingAsync(owner, ids, ct))
                errors.Add($"delivery.destinations[{e.Delivery.PositionOf(ids.ToList().IndexOf(missing))}]", $"No destination {missing}.");
        if (errors.Any) return (null, JobPlanner.Invalid(errors));
        var now = clock.GetUtcNow();
        var slot = new JobSlot(owner, Guid.CreateVersion7(now), now, store.Name);
        var max = settings.Jobs.MaxArtifactBytes;
        if (e.Kind != "series") return JobPlanner.Layout(slot, e, settings.Layouts, max);

        var (outcome, prepared, errs, key) = cache is null || use != CacheUse.ReadAndStore || !cache.Enabled
            ? Keyless(await series.PrepareAsync(owner, e.Series!, ct))
            : await cache.PrepareAsync(series, owner, e.Series!, ct);
        if (outcome == PrepareOutcome.SourceNotFound)
            return (null, new Refusal(404, "Not found", $"No source named '{e.Series!.Source}'."));
        if (outcome == PrepareOutcome.Invalid) return (null, JobPlanner.Invalid(errs, "series."));
        if (cache is not null && await cache.FindAsync(owner, key, store.Name, ct) is { } hit)
        {
            // Answered from the cache: the figures are the source export's, exact (no estimate is run).
            var q = prepared!;
            var (job, refused) = JobPlanner.Series(slot, e, new SeriesFacts(q.Format.Name, q.Plan.Source.Name, q.FileName, q.MediaType, hit.Rows, hit.Bytes,
                q.Plan.Tier, q.Plan.Approximate, q.Plan.Approximation), max);
            return (job is null ? null : job with { Cache = new JobCache(true, hit.Id) { Source = hit } }, refused);
        }
        long rows, bytes;
        try { (rows, bytes) = await series.EstimateAsync(prepared!, ct); }
        catch (Exports.Formats.ExportDataException x)
        {
            return (null, new Refusal(400, JobPlanner.InvalidTitle, null, new Dictionary<string, string[]> { ["series." + x.Field] = [x.Message] }));
        }
        var p = prepared!;
        return JobPlanner.Series(slot, e, new SeriesFacts(p.Format.Name, p.Plan.Source.Name, p.FileName, p.MediaType, rows, bytes,
            p.Plan.Tier, p.Plan.Approximate, p.Plan.Approximation), max);
    }

    /// <summary>Links or copies the cache source's file to <paramref name="job"/>'s key; false when the source is gone or
    /// the store fails (logged: the job is computed instead). A cancelled request stays cancelled.</summary>
    async Task<bool> LinkAsync(CacheSource hit, JobRecord job, CancellationToken ct)
    {
        try { return await store.CopyAsync(hit.StorageKey, job.StorageKey, job.MediaType, ct); }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            log.LogWarning(e, "Result cache: the file of export {Source} could not be copied for job {Job}; it is computed instead", hit.Id, job.Id);
            try { await store.DeleteAsync(job.StorageKey, CancellationToken.None); }
            catch (Exception d) { log.LogWarning(d, "Result cache: a partial copy for job {Job} could not be deleted", job.Id); }
            return false;
        }
    }

    static (PrepareOutcome, PreparedExport?, Errors, string?) Keyless((PrepareOutcome, PreparedExport?, Errors) p) => (p.Item1, p.Item2, p.Item3, null);

    /// <summary>The hourly quota alone (EXPORTS_QUOTA_PER_HOUR), for direct downloads: they count in the same ledger
    /// (a line each when it starts) but hold no queue place and store nothing, so the other quotas do not apply.</summary>
    public async Task<Refusal?> HourlyQuotaAsync(Guid owner, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var (count, oldest) = await QuotaLedger.LastHourAsync(db, owner, now, ct);
        return Quotas.Hourly(count, oldest, now);
    }
}
