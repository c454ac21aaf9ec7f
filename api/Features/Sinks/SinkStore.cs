using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Npgsql;

namespace Exports.Features.Sinks;

/// <summary>Enums of this slice as camelCase strings ("active", "paused").</summary>
public sealed class CamelEnum<T>() : System.Text.Json.Serialization.JsonStringEnumConverter<T>(JsonNamingPolicy.CamelCase) where T : struct, Enum;

[System.Text.Json.Serialization.JsonConverter(typeof(CamelEnum<SinkStatus>))]
public enum SinkStatus { Active, Paused }

/// <summary>A sink as the API shows it: never its secret. <c>LastError</c> is why the sink's last step failed (a send,
/// or forming a batch) while it is failing; <c>DeliveredSeq</c> is the source's live sequence the
/// receiver has everything up to; <c>NextSequence</c> the batch sequence the next new batch gets.</summary>
public sealed record SinkView(Guid Id, string Source, string Url, IReadOnlyList<string>? Metrics, JsonElement? Filter, int BatchMs, int MaxBatch,
    SinkStatus Status, string? PausedReason, DateTimeOffset? PausedAt, DateTimeOffset? FailingSince, string? LastError, long DeliveredSeq, long NextSequence,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

[System.Text.Json.Serialization.JsonConverter(typeof(CamelEnum<SinkBatchStatus>))]
public enum SinkBatchStatus { Pending, Delivered, Failed }

/// <summary>One batch formed for a sink (a delivery): its sequence, the live sequences it covers, and how its sending
/// went. <c>Note</c> says when the batch stands for live events retention deleted before they were delivered.</summary>
public sealed record SinkDeliveryView(long Sequence, long FromSeq, long ToSeq, int Rows, SinkBatchStatus Status, int Attempts, int? HttpStatus,
    int? LatencyMs, string? LastError, string? Note, DateTimeOffset CreatedAt, DateTimeOffset? DeliveredAt);

/// <summary>What a sink is saved with (validated by <see cref="SinkRules"/>).</summary>
public sealed record SinkSpec(string Url, string? Secret, string[]? Metrics, JsonElement? Filter, int BatchMs, int MaxBatch);

/// <summary>The owner's sinks (table <c>sinks</c>, migration 0013). The signing secret is one Data Protection payload
/// (purpose exports.sinks.v1), as destinations' secrets are: only <see cref="SecretAsync"/> decrypts it, for a send;
/// nothing returns or logs it. Every statement has the owner in its WHERE: another owner's sink is "not found".</summary>
public sealed class SinkStore(NpgsqlDataSource db, IDataProtectionProvider protection)
{
    readonly IDataProtector _protector = protection.CreateProtector("exports.sinks.v1");

    const string Columns = """
        k.id, s.name, k.url, k.metrics, k.filter::text, k.batch_ms, k.max_batch, k.paused_at, k.paused_reason, k.failing_since,
        k.delivered_seq, k.next_sequence, k.created_at, k.updated_at, k.last_error
        """;

    /// <summary>The source's id when the owner has a source of that name.</summary>
    public async Task<(Guid Id, string Kind)?> SourceAsync(Guid owner, string source, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT id, kind FROM sources WHERE owner_id = $1 AND name = $2");
        cmd.Parameters.Add(new() { Value = owner });
        cmd.Parameters.Add(new() { Value = source });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? (r.GetGuid(0), r.GetString(1)) : null;
    }

    /// <summary>A new sink whose cursor starts at the source's current live sequence: it gets what commits from now on.
    /// Refused (<c>AtLimit</c>) when the owner already has <paramref name="perOwner"/> sinks: counted under a lock on the
    /// owner, so concurrent creates never pass the limit. View null and not at the limit: the source is gone.</summary>
    public async Task<(SinkView? View, bool AtLimit)> CreateAsync(Guid owner, string source, SinkSpec spec, int perOwner, DateTimeOffset now, CancellationToken ct)
    {
        var id = Guid.CreateVersion7();
        await using (var conn = await db.OpenConnectionAsync(ct))
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            await using (var lockOwner = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended('sinks:' || $1::text, 0))", conn, tx))
            {
                Add(lockOwner, owner);
                await lockOwner.ExecuteNonQueryAsync(ct);
            }
            await using (var count = new NpgsqlCommand("SELECT count(*) FROM sinks WHERE owner_id = $1", conn, tx))
            {
                Add(count, owner);
                if ((long)(await count.ExecuteScalarAsync(ct))! >= perOwner) return (null, true);
            }
            await using var cmd = new NpgsqlCommand("""
                INSERT INTO sinks (id, owner_id, source_id, url, secret, metrics, filter, batch_ms, max_batch, delivered_seq, created_at, updated_at)
                SELECT $1, $2, s.id, $4, $5, $6, $7::jsonb, $8, $9, s.live_seq, $10, $10 FROM sources s WHERE s.owner_id = $2 AND s.name = $3
                """, conn, tx);
            Add(cmd, id, owner, source, spec.Url, _protector.Protect(spec.Secret!), Metrics(spec.Metrics), Json(spec.Filter), spec.BatchMs, spec.MaxBatch, now.UtcDateTime);
            if (await cmd.ExecuteNonQueryAsync(ct) == 0) return (null, false);
            await tx.CommitAsync(ct);
        }
        return (await GetAsync(owner, source, id, ct), false);
    }

    public async Task<List<SinkView>> ListAsync(Guid owner, string source, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"SELECT {Columns} FROM sinks k JOIN sources s ON s.id = k.source_id WHERE k.owner_id = $1 AND s.name = $2 ORDER BY k.created_at, k.id");
        Add(cmd, owner, source);
        return await ReadAsync(cmd, ct);
    }

    public async Task<SinkView?> GetAsync(Guid owner, string source, Guid id, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"SELECT {Columns} FROM sinks k JOIN sources s ON s.id = k.source_id WHERE k.owner_id = $1 AND s.name = $2 AND k.id = $3");
        Add(cmd, owner, source, id);
        return (await ReadAsync(cmd, ct)).FirstOrDefault();
    }

    /// <summary>Replaces url, metrics, filter and batching; a secret left out keeps the stored one. The cursor, the
    /// batch sequence and batches already formed stay (a formed batch is resent as it was).</summary>
    public async Task<SinkView?> UpdateAsync(Guid owner, string source, Guid id, SinkSpec spec, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            UPDATE sinks k SET url = $4, secret = coalesce($5, k.secret), metrics = $6, filter = $7::jsonb, batch_ms = $8, max_batch = $9, updated_at = $10
            FROM sources s WHERE s.id = k.source_id AND k.owner_id = $1 AND s.name = $2 AND k.id = $3
            """);
        Add(cmd, owner, source, id, spec.Url, spec.Secret is { } secret ? _protector.Protect(secret) : DBNull.Value, Metrics(spec.Metrics), Json(spec.Filter),
            spec.BatchMs, spec.MaxBatch, now.UtcDateTime);
        return await cmd.ExecuteNonQueryAsync(ct) == 0 ? null : await GetAsync(owner, source, id, ct);
    }

    public async Task<bool> DeleteAsync(Guid owner, string source, Guid id, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("DELETE FROM sinks k USING sources s WHERE s.id = k.source_id AND k.owner_id = $1 AND s.name = $2 AND k.id = $3");
        Add(cmd, owner, source, id);
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>Active again: the pause and its failure window end, the batch that failed is tried again from its first attempt.</summary>
    public async Task<SinkView?> ResumeAsync(Guid owner, string source, Guid id, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            WITH k AS (UPDATE sinks k SET paused_at = NULL, paused_reason = NULL, failing_since = NULL, last_error = NULL, updated_at = $4
                       FROM sources s WHERE s.id = k.source_id AND k.owner_id = $1 AND s.name = $2 AND k.id = $3 RETURNING k.id)
            UPDATE sink_batches b SET status = 'pending', attempts = 0, next_attempt_at = NULL FROM k
            WHERE b.sink_id = k.id AND b.status = 'failed'
            """);
        Add(cmd, owner, source, id, now.UtcDateTime);
        await cmd.ExecuteNonQueryAsync(ct);
        return await GetAsync(owner, source, id, ct);
    }

    /// <summary>The sink's latest batches, newest first.</summary>
    public async Task<List<SinkDeliveryView>?> DeliveriesAsync(Guid owner, string source, Guid id, int limit, CancellationToken ct)
    {
        if (await GetAsync(owner, source, id, ct) is null) return null;
        await using var cmd = db.CreateCommand("""
            SELECT sequence, from_seq, to_seq, row_count, status, attempts, http_status, latency_ms, last_error, note, created_at, delivered_at
            FROM sink_batches WHERE sink_id = $1 ORDER BY sequence DESC LIMIT $2
            """);
        Add(cmd, id, limit);
        var list = new List<SinkDeliveryView>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            list.Add(new SinkDeliveryView(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt32(3), Enum.Parse<SinkBatchStatus>(r.GetString(4), ignoreCase: true),
                r.GetInt32(5), r.IsDBNull(6) ? null : r.GetInt32(6), r.IsDBNull(7) ? null : r.GetInt32(7), r.IsDBNull(8) ? null : r.GetString(8),
                r.IsDBNull(9) ? null : r.GetString(9), Utc(r.GetDateTime(10)), r.IsDBNull(11) ? null : Utc(r.GetDateTime(11))));
        return list;
    }

    /// <summary>The decrypted signing secret, for a send; null when the sink is gone.</summary>
    public async Task<string?> SecretAsync(Guid sinkId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT secret FROM sinks WHERE id = $1");
        Add(cmd, sinkId);
        return await cmd.ExecuteScalarAsync(ct) is string s ? _protector.Unprotect(s) : null;
    }

    static async Task<List<SinkView>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<SinkView>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            list.Add(new SinkView(r.GetGuid(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetFieldValue<string[]>(3),
                r.IsDBNull(4) ? null : JsonDocument.Parse(r.GetString(4)).RootElement.Clone(), r.GetInt32(5), r.GetInt32(6),
                r.IsDBNull(7) ? SinkStatus.Active : SinkStatus.Paused, r.IsDBNull(8) ? null : r.GetString(8), r.IsDBNull(7) ? null : Utc(r.GetDateTime(7)),
                r.IsDBNull(9) ? null : Utc(r.GetDateTime(9)), r.IsDBNull(14) ? null : r.GetString(14), r.GetInt64(10), r.GetInt64(11), Utc(r.GetDateTime(12)), Utc(r.GetDateTime(13))));
        return list;
    }

    static DateTimeOffset Utc(DateTime d) => new(DateTime.SpecifyKind(d, DateTimeKind.Utc));
    static object Metrics(string[]? m) => m is null ? DBNull.Value : m;
    static object Json(JsonElement? f) => f is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } v ? v.GetRawText() : DBNull.Value;

    static void Add(NpgsqlCommand cmd, params object[] values)
    {
        foreach (var v in values)
            cmd.Parameters.Add(new NpgsqlParameter { Value = v });
    }
}
