using Npgsql;

namespace Exports.Features.Live;

/// <summary>
/// A signed-in stream's claim on its source's live log (table <c>live_watchers</c>, migration 0014). A stream opened
/// with the session cookie (the SPA's Live toggle) or an API key has no stream token, and the ingest appends to the live
/// log only while a source has a consumer: the watcher is that consumer while its stream is open. The stream renews it
/// at least once per keepalive interval (<see cref="Lease"/> is longer), deletes it when it ends, and a node that dies
/// leaves it to lapse (the retention sweep deletes lapsed ones).
/// </summary>
public static class LiveWatchers
{
    /// <summary>How long a watcher lives unrenewed: two keepalive intervals and a minute, so one late renewal (a busy
    /// database, a slow keepalive write) never lets the ingest stop logging under an open stream.</summary>
    public static TimeSpan Lease(TimeSpan keepalive) => 2 * keepalive + TimeSpan.FromMinutes(1);

    /// <summary>How long one signed-in stream may stay open before it ends and its client reconnects (EventSource does
    /// by itself), so a signed-out or deleted account's stream does not outlive its session (the cookie's 12 h).</summary>
    public static readonly TimeSpan MaxStreamLife = TimeSpan.FromHours(12);

    /// <summary>Opens a watcher of <paramref name="owner"/>'s source named <paramref name="source"/>: its grant, or
    /// null when the owner has no such source (another owner's source included: to this owner it does not exist).</summary>
    public static async Task<StreamGrant?> OpenAsync(NpgsqlDataSource db, Guid owner, string source, TimeSpan keepalive,
        DateTimeOffset now, CancellationToken ct)
    {
        var id = Guid.CreateVersion7();
        await using var cmd = db.CreateCommand("""
            INSERT INTO live_watchers (id, owner_id, source_id, created_at, expires_at)
            SELECT $1, s.owner_id, s.id, now(), now() + $4 FROM sources s WHERE s.owner_id = $2 AND s.name = $3
            RETURNING source_id
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        cmd.Parameters.Add(new NpgsqlParameter { Value = owner });
        cmd.Parameters.Add(new NpgsqlParameter { Value = source });
        cmd.Parameters.Add(new NpgsqlParameter { Value = Lease(keepalive) });
        if (await cmd.ExecuteScalarAsync(ct) is not Guid sourceId) return null;
        return new StreamGrant(id, owner, sourceId, source, [], now + MaxStreamLife, Watcher: true);
    }

    /// <summary>Renews watcher <paramref name="id"/>; false when it is gone (its source was deleted).</summary>
    public static async Task<bool> RenewAsync(NpgsqlDataSource db, Guid id, TimeSpan keepalive, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("UPDATE live_watchers SET expires_at = now() + $2 WHERE id = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        cmd.Parameters.Add(new NpgsqlParameter { Value = Lease(keepalive) });
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>Deletes watcher <paramref name="id"/> (its stream ended). Runs after the request is aborted, so it takes
    /// no request token; a failure only leaves the row to lapse.</summary>
    public static async Task CloseAsync(NpgsqlDataSource db, Guid id)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var cmd = db.CreateCommand("DELETE FROM live_watchers WHERE id = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        await cmd.ExecuteNonQueryAsync(timeout.Token);
    }
}
