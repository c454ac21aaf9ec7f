using Npgsql;

namespace Exports.Features.Live;

/// <summary>
/// A signed-in stream's claim on its source's live log (table <c>live_watchers</c>, migration 0014). A stream opened
/// with the session cookie (the SPA's Live toggle) or an API key has no stream token, and the ingest appends to the live
/// log only while a source has a consumer: the watcher is that consumer while its stream is open, and for up to one
/// <see cref="Lease"/> after it ends (its last renewal's), so a client that reconnects within it (EventSource does after
/// 2 s) misses nothing. The stream renews it at least once per keepalive interval; a lapsed watcher is never renewed
/// (its stream ends and its client reconnects, told that rows may have gone unlogged meanwhile:
/// <see cref="OpenAsync"/>'s continuity). The retention sweep deletes lapsed watchers.
/// </summary>
public static class LiveWatchers
{
    /// <summary>How long a watcher lives unrenewed: two keepalive intervals and a minute, so one late renewal (a busy
    /// database, a slow keepalive write) never lets the ingest stop logging under an open stream.</summary>
    public static TimeSpan Lease(TimeSpan keepalive) => 2 * keepalive + TimeSpan.FromMinutes(1);

    /// <summary>How long one signed-in stream may stay open before it ends and its client reconnects (EventSource does
    /// by itself), so a signed-out account's stream does not outlive its session (the cookie's 12 h).</summary>
    public static readonly TimeSpan MaxStreamLife = TimeSpan.FromHours(12);

    /// <summary>A consumer counts for continuity only if it existed this long before the resumed event's transaction
    /// began: a watcher's INSERT is visible to ingests only once it commits, a moment after its created_at.</summary>
    static readonly TimeSpan ContinuityMargin = TimeSpan.FromMilliseconds(500);

    /// <summary>A watcher and whether the live log is known to hold every row committed after the resumed event.</summary>
    public sealed record Opened(StreamGrant Grant, bool Continuous);

    /// <summary>
    /// Opens a watcher of <paramref name="owner"/>'s source named <paramref name="source"/> (null when the owner has no
    /// such source: another owner's source does not exist for them). Resuming after event <paramref name="after"/>,
    /// it says whether the log is known to be continuous since: some consumer that exists now (a live watcher, which
    /// is never renewed once lapsed, an unrevoked unexpired token, or a sink) already existed when that event's
    /// ingest began, so every ingest since had a consumer and was logged. Otherwise (the event is no longer kept, or
    /// every consumer came later) rows may have been committed while no one listened.
    /// </summary>
    public static async Task<Opened?> OpenAsync(NpgsqlDataSource db, Guid owner, Guid? apiKey, string source, long? after,
        TimeSpan keepalive, DateTimeOffset now, CancellationToken ct)
    {
        var id = Guid.CreateVersion7();
        await using var cmd = db.CreateCommand("""
            WITH src AS (SELECT id FROM sources WHERE owner_id = $2 AND name = $3),
            since AS (
                SELECT e.committed_at - $7::interval AS at FROM live_events e JOIN src ON src.id = e.source_id WHERE e.seq = $6),
            continuous AS (
                SELECT EXISTS (SELECT 1 FROM since, src WHERE
                    EXISTS (SELECT 1 FROM live_watchers w WHERE w.source_id = src.id AND w.expires_at > now() AND w.created_at <= since.at)
                    OR EXISTS (SELECT 1 FROM stream_tokens t WHERE t.source_id = src.id AND t.revoked_at IS NULL AND t.expires_at > now() AND t.created_at <= since.at)
                    OR EXISTS (SELECT 1 FROM sinks k WHERE k.source_id = src.id AND k.created_at <= since.at)) AS yes),
            ins AS (
                INSERT INTO live_watchers (id, owner_id, source_id, api_key_id, created_at, expires_at)
                SELECT $1, $2, src.id, $4, now(), now() + $5 FROM src
                RETURNING source_id)
            SELECT ins.source_id, continuous.yes FROM ins, continuous
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        cmd.Parameters.Add(new NpgsqlParameter { Value = owner });
        cmd.Parameters.Add(new NpgsqlParameter { Value = source });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)apiKey ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new NpgsqlParameter { Value = Lease(keepalive) });
        cmd.Parameters.Add(new NpgsqlParameter { Value = after ?? -1L });
        cmd.Parameters.Add(new NpgsqlParameter { Value = ContinuityMargin });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        var grant = new StreamGrant(id, owner, r.GetGuid(0), source, [], now + MaxStreamLife, Watcher: true);
        return new Opened(grant, after is null || r.GetBoolean(1));
    }

    /// <summary>Renews watcher <paramref name="id"/>; false when it lapsed (never renewed then: rows may have gone
    /// unlogged), its source was deleted, or the API key it was opened with is revoked.</summary>
    public static async Task<bool> RenewAsync(NpgsqlDataSource db, Guid id, TimeSpan keepalive, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            UPDATE live_watchers w SET expires_at = now() + $2
            WHERE w.id = $1 AND w.expires_at > now()
              AND (w.api_key_id IS NULL OR EXISTS (SELECT 1 FROM api_keys k WHERE k.id = w.api_key_id AND k.revoked_at IS NULL))
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        cmd.Parameters.Add(new NpgsqlParameter { Value = Lease(keepalive) });
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }
}
