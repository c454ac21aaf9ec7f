using Npgsql;

namespace Exports.Features.Live;

/// <summary>
/// A signed-in stream's claim on its source's live log (table <c>live_watchers</c>, migration 0014). A stream opened
/// with the session cookie (the SPA's Live toggle) or an API key has no stream token, and the ingest appends to the live
/// log only while a source has a consumer: the watcher is that consumer while its stream is open, and for up to one
/// <see cref="Lease"/> after it ends (its last renewal's), so a client that reconnects within it (EventSource does after
/// 2 s) misses nothing. The stream renews it at least once per keepalive interval; a lapsed watcher is never renewed
/// (its stream ends; its client reconnects, and the ingests that committed unlogged meanwhile have marked the source,
/// so the resumed stream says resync: see <c>Staging.BumpDataVersionUnlogged</c>). The retention sweep deletes lapsed
/// watchers.
/// </summary>
public static class LiveWatchers
{
    /// <summary>How long a watcher lives unrenewed: two keepalive intervals and a minute, so one late renewal (a busy
    /// database, a slow keepalive write) never lets the ingest stop logging under an open stream.</summary>
    public static TimeSpan Lease(TimeSpan keepalive) => 2 * keepalive + TimeSpan.FromMinutes(1);

    /// <summary>How long one signed-in stream may stay open before it ends and its client reconnects (EventSource does
    /// by itself), so a signed-out account's stream does not outlive its session (the cookie's 12 h).</summary>
    public static readonly TimeSpan MaxStreamLife = TimeSpan.FromHours(12);

    /// <summary>Opens a watcher of <paramref name="owner"/>'s source named <paramref name="source"/>, as long as the API
    /// key the request was authenticated with (if any) is still unrevoked: its grant, or null when the owner has no such
    /// source (another owner's source does not exist for them) or the key was revoked meanwhile.</summary>
    public static async Task<StreamGrant?> OpenAsync(NpgsqlDataSource db, Guid owner, Guid? apiKey, string source,
        TimeSpan keepalive, DateTimeOffset expiresAt, CancellationToken ct)
    {
        var id = Guid.CreateVersion7();
        await using var cmd = db.CreateCommand("""
            INSERT INTO live_watchers (id, owner_id, source_id, api_key_id, created_at, expires_at)
            SELECT $1, $2, s.id, $4, now(), now() + $5 FROM sources s
            WHERE s.owner_id = $2 AND s.name = $3
              AND ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM api_keys k WHERE k.id = $4 AND k.revoked_at IS NULL))
            RETURNING source_id
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        cmd.Parameters.Add(new NpgsqlParameter { Value = owner });
        cmd.Parameters.Add(new NpgsqlParameter { Value = source });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)apiKey ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new NpgsqlParameter { Value = Lease(keepalive) });
        if (await cmd.ExecuteScalarAsync(ct) is not Guid sourceId) return null;
        return new StreamGrant(id, owner, sourceId, source, [], expiresAt, Watcher: true);
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
