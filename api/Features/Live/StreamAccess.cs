using Npgsql;

namespace Exports.Features.Live;

/// <summary>What lets a stream read a source: a live stream token (not revoked, not expired) with its source and
/// origins, or, with <paramref name="Watcher"/>, a signed-in owner's watcher of their own source (<see cref="LiveWatchers"/>:
/// <paramref name="TokenId"/> is the watcher's id, and no origin but the app's own).</summary>
public sealed record StreamGrant(Guid TokenId, Guid OwnerId, Guid SourceId, string SourceName, string[] Origins, DateTimeOffset ExpiresAt,
    bool Watcher = false)
{
    /// <summary>The live token whose hash is that of <paramref name="token"/>, or null.</summary>
    public static async Task<StreamGrant?> FindAsync(NpgsqlDataSource db, string? token, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 200) return null;
        await using var cmd = db.CreateCommand("""
            SELECT t.id, t.owner_id, t.source_id, s.name, t.origins, t.expires_at FROM stream_tokens t JOIN sources s ON s.id = t.source_id
            WHERE t.hash = $1 AND t.revoked_at IS NULL AND t.expires_at > now()
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = StreamTokens.Hash(token) });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        return new StreamGrant(r.GetGuid(0), r.GetGuid(1), r.GetGuid(2), r.GetString(3), r.GetFieldValue<string[]>(4), r.GetFieldValue<DateTimeOffset>(5));
    }

    /// <summary>Whether the token is still live (a revocation or the expiry ends its streams); a watcher is renewed
    /// instead (gone only with its source).</summary>
    public async Task<bool> StillLiveAsync(NpgsqlDataSource db, TimeSpan keepalive, CancellationToken ct)
    {
        if (Watcher) return await LiveWatchers.RenewAsync(db, TokenId, keepalive, ct);
        await using var cmd = db.CreateCommand("SELECT EXISTS (SELECT 1 FROM stream_tokens WHERE id = $1 AND revoked_at IS NULL AND expires_at > now())");
        cmd.Parameters.Add(new NpgsqlParameter { Value = TokenId });
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>CORS: the request's Origin when the token lists it (the only value Access-Control-Allow-Origin ever
    /// takes: never "*"), else null.</summary>
    public string? AllowedOrigin(string? origin)
    {
        if (string.IsNullOrEmpty(origin)) return null;
        var normalized = StreamTokens.Normalize(origin, out _);
        return normalized is not null && Origins.Contains(normalized, StringComparer.Ordinal) ? origin : null;
    }
}
