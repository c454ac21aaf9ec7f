using Exports.Storage;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Exports.Host;
using Exports.Layouts;
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

/// <summary>Queues exports as durable jobs: validates the envelope as the synchronous endpoints would, applies the
/// owner's quotas under a per-owner lock, records the job (and its line in the submission ledger the hourly quota
/// counts, which deleting history does not touch) and publishes its <see cref="RunExport"/> message in the same
/// transaction (Wolverine's outbox): a job is recorded with its message or not at all, so no record waits for a run
/// that will never come, and no message runs for a job that was not recorded.</summary>
public sealed class JobQueue(
    NpgsqlDataSource db, SeriesExports series, JobRecords records, IServiceScopeFactory scopes, IWolverineRuntime runtime, IArtifactStore store,
    ExportsSettings settings, TimeProvider clock, ILogger<JobQueue> log, IDeliveryTargets? targets = null, ExportGate? gate = null)
{
    public const string Group = "exports";
    static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <param name="recorded">Runs inside the transaction that records a new job (not a replay), so whatever it
    /// writes (a schedule's run row) commits with the job or not at all.</param>
    public async Task<(Submitted? Ok, Refusal? Refused)> SubmitAsync(Guid owner, ExportEnvelope envelope, string? idempotencyKey, CancellationToken ct,
        Func<NpgsqlConnection, JobRecord, CancellationToken, Task>? recorded = null)
    {
        if (idempotencyKey is { } ik && (ik.Length is 0 or > 200 || ik.Any(char.IsControl)))
            return (null, new Refusal(400, "The request is not valid", null,
                new() { ["Idempotency-Key"] = ["The Idempotency-Key header must have 1 to 200 printable characters."] }));
        var (planned, refusal) = await PlanAsync(owner, envelope, ct);
        if (planned is null) return (null, refusal);
        var job = planned with { IdempotencyKey = idempotencyKey };
        var id = job.Id;
        var now = job.CreatedAt;

        await using var scope = scopes.CreateAsyncScope();
        var bus = (MessageContext)scope.ServiceProvider.GetRequiredService<IMessageContext>();
        await using (var conn = await db.OpenConnectionAsync(ct))
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            await using (var lockCmd = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", conn, tx))
            {
                lockCmd.Parameters.Add(new NpgsqlParameter { Value = "exports:" + owner });
                await lockCmd.ExecuteNonQueryAsync(ct);
            }
            if (idempotencyKey is not null && await records.FindByIdempotencyKeyAsync(conn, owner, idempotencyKey, ct) is { } existing)
            {
                await tx.CommitAsync(ct);
                return existing.RequestHash == job.RequestHash
                    ? (new Submitted(existing, Replayed: true), null)
                    : (null, new Refusal(422, "Idempotency-Key already used for a different request",
                        "Send a new key for a new export; repeat a key only to repeat the same request."));
            }
            if (await QuotaAsync(conn, owner, now, ct) is { } refused) return (null, refused);
            await JobRecords.InsertAsync(conn, job, ct);
            await JobRecords.LedgerAsync(conn, job, ct);
            await bus.EnlistInOutboxAsync(new DatabaseEnvelopeTransaction((IMessageDatabase)runtime.Storage, tx));
            await bus.PublishAsync(new RunExport(id));
            if (recorded is not null) await recorded(conn, job, ct);
            // From here the client's disconnect must not stop the commit halfway: the job and its message commit together.
            await tx.CommitAsync(CancellationToken.None);
        }
        // Sends the committed message to the queue now; if this node dies first, Wolverine's outbox recovery sends it.
        // The job is committed: whatever happens now, the client is told so (outbox recovery sends an unsent message).
        try { await bus.FlushOutgoingMessagesAsync(); }
        catch (Exception e) { log.LogWarning(e, "Export job {Job} is queued; its message goes out with outbox recovery", id); }
        return (new Submitted(job, Replayed: false), null);
    }

    /// <summary>Validates an envelope as the synchronous endpoints would and makes the pending record (file name,
    /// media type, storage key, estimate), without storing or scheduling it.</summary>
    public async Task<(JobRecord? Job, Refusal? Refused)> PlanAsync(Guid owner, ExportEnvelope envelope, CancellationToken ct)
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
                errors.Add($"delivery.destinations[{ids.ToList().IndexOf(missing)}]", $"No destination {missing}.");
        if (errors.Any) return (null, Invalid(errors));
        var now = clock.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        JobRecord job;
        if (e.Kind == "series")
        {
            var (outcome, prepared, errs) = await series.PrepareAsync(owner, e.Series!, ct);
            if (outcome == PrepareOutcome.SourceNotFound)
                return (null, new Refusal(404, "Not found", $"No source named '{e.Series!.Source}'."));
            if (outcome == PrepareOutcome.Invalid) return (null, Invalid(errs, "series."));
            long rows, bytes;
            try { (rows, bytes) = await series.EstimateAsync(prepared!, ct); }
            catch (Exports.Formats.ExportDataException x)
            {
                return (null, new Refusal(400, "The request is not valid", null, new Dictionary<string, string[]> { ["series." + x.Field] = [x.Message] }));
            }
            job = NewRecord(owner, id, e, prepared!.Format.Name, prepared.Plan.Source.Name, prepared.FileName, prepared.FileName,
                prepared.MediaType, rows, bytes, prepared.Plan.Tier, now) with
                { Approximate = prepared.Plan.Approximate, Approximation = prepared.Plan.Approximation };
        }
        else
        {
            var layoutSettings = LayoutValidator.Validate(e.Layout!, errors, settings.Layouts, now);
            if (layoutSettings is null) return (null, Invalid(errors, "layout."));
            var title = e.Layout!.Title is { Length: > 0 } t ? t : "Layout";
            var baseName = FileNames.Sanitize(title) is { Length: > 0 } n ? n : "export";
            var file = $"{baseName}-{now:yyyy-MM-dd}.{layoutSettings.Format}";
            job = NewRecord(owner, id, e, layoutSettings.Format, null, title, file,
                layoutSettings.Format == "pdf" ? "application/pdf" : "image/png", null, null, null, now);
        }
        if (job.EstimatedBytes > settings.Jobs.MaxArtifactBytes)
            return (null, new Refusal(413, "The export would be too large",
                $"It is estimated at {job.EstimatedBytes:N0} bytes; one file may have at most {settings.Jobs.MaxArtifactBytes:N0}. Narrow the range, pick fewer columns or a coarser resolution, or compress it."));
        return (job, null);
    }

    static Refusal Invalid(Errors errors, string prefix = "") =>
        new(400, "The request is not valid", null, errors.ToDictionary().ToDictionary(kv => prefix + kv.Key, kv => kv.Value));

    JobRecord NewRecord(Guid owner, Guid id, ExportEnvelope e, string format, string? source, string title, string file,
        string media, long? rows, long? bytes, string? tier, DateTimeOffset now)
    {
        var request = JsonSerializer.SerializeToElement(e, Json);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(request.GetRawText())));
        return new JobRecord
        {
            Id = id, OwnerId = owner, Kind = e.Kind!, Format = format, Source = source, Title = title,
            Status = JobStatus.Pending, Phase = "queued", Request = request, RequestHash = hash, FileName = file,
            MediaType = media, Storage = store.Name, StorageKey = ArtifactKeys.For(owner, id, file),
            EstimatedRows = rows, EstimatedBytes = bytes, Tier = tier, CreatedAt = now, UpdatedAt = now,
        };
    }

    /// <summary>Exports per hour (429, counted in the submission ledger, pruned here to the last hour), running jobs
    /// (429), stored bytes (409).</summary>
    async Task<Refusal?> QuotaAsync(NpgsqlConnection conn, Guid owner, DateTimeOffset now, CancellationToken ct)
    {
        await using (var prune = new NpgsqlCommand("DELETE FROM export_submissions WHERE owner_id = $1 AND submitted_at <= $2", conn))
        {
            prune.Parameters.Add(new NpgsqlParameter { Value = owner });
            prune.Parameters.Add(new NpgsqlParameter { Value = now.AddHours(-1) });
            await prune.ExecuteNonQueryAsync(ct);
        }
        await using var cmd = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM export_jobs WHERE owner_id = $1 AND status IN ('pending', 'processing') AND NOT direct),
                   l.n, l.oldest,
                   (SELECT coalesce(sum(size_bytes), 0)::bigint FROM export_jobs WHERE owner_id = $1 AND status = 'completed')
            FROM (SELECT count(*) AS n, min(submitted_at) AS oldest FROM export_submissions WHERE owner_id = $1 AND submitted_at > $2) l
            """, conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = owner });
        cmd.Parameters.Add(new NpgsqlParameter { Value = now.AddHours(-1) });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        var (running, lastHour, stored) = (r.GetInt64(0), r.GetInt64(1), r.GetInt64(3));
        var oldest = r.IsDBNull(2) ? now : r.GetFieldValue<DateTimeOffset>(2);
        var q = settings.Jobs;
        if (HourlyRefusal(lastHour, oldest, now) is { } hourly) return hourly;
        if (running >= q.QuotaConcurrent)
            return new Refusal(429, "Too many exports running",
                $"You have {running} exports queued or running (the limit is {q.QuotaConcurrent}); start this one when one finishes, or cancel one.",
                RetryAfter: TimeSpan.FromSeconds(10));
        if (stored >= q.QuotaStoredBytes)
            return new Refusal(409, "Storage quota reached",
                $"Your finished exports take {stored:N0} bytes of your {q.QuotaStoredBytes:N0}; delete some, or wait for them to expire.");
        return null;
    }

    Refusal? HourlyRefusal(long lastHour, DateTimeOffset oldest, DateTimeOffset now)
    {
        var q = settings.Jobs;
        if (lastHour < q.QuotaPerHour) return null;
        var wait = oldest.AddHours(1) - now;
        return new Refusal(429, "Too many exports this hour",
            $"You may start {q.QuotaPerHour} exports an hour (EXPORTS_QUOTA_PER_HOUR), counted when they start: deleting history does not give them back. The next one can start in {Math.Ceiling(wait.TotalMinutes)} min (Retry-After).",
            RetryAfter: wait < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait);
    }

    /// <summary>The hourly quota alone (EXPORTS_QUOTA_PER_HOUR), for direct downloads: they count in the same ledger
    /// (a line each when it starts) but hold no queue place and store nothing, so the other quotas do not apply.</summary>
    public async Task<Refusal?> HourlyQuotaAsync(Guid owner, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var cmd = db.CreateCommand("SELECT count(*), min(submitted_at) FROM export_submissions WHERE owner_id = $1 AND submitted_at > $2");
        cmd.Parameters.Add(new NpgsqlParameter { Value = owner });
        cmd.Parameters.Add(new NpgsqlParameter { Value = now.AddHours(-1) });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return HourlyRefusal(r.GetInt64(0), r.IsDBNull(1) ? now : r.GetFieldValue<DateTimeOffset>(1), now);
    }

    /// <summary>Cancels a pending or running job: a pending one at once (its message finds it cancelled and stops), a
    /// running one through its runner, which polls the flag every quarter second on whichever node runs it.</summary>
    public Task<JobRecord?> CancelAsync(Guid owner, Guid id, string by, CancellationToken ct) =>
        records.RequestCancelAsync(owner, id, by, clock.GetUtcNow(), ct);

    /// <summary>Deletes a job that is not running, with its artifact.</summary>
    public async Task<(bool Found, bool Running)> DeleteAsync(Guid owner, Guid id, CancellationToken ct)
    {
        var job = await records.GetAsync(owner, id, ct);
        if (job is null) return (false, false);
        if (!JobStatus.IsFinal(job.Status)) return (true, true);
        await store.DeleteAsync(job.StorageKey, ct);
        await records.DeleteAsync(owner, id, ct);
        return (true, false);
    }
}
