using Exports.Host;
using FastEndpoints;
using Npgsql;

namespace Exports.Features.Identity;

/// <summary>GET /keys: your keys, oldest first, without their secrets.</summary>
public sealed class ListKeys(NpgsqlDataSource db) : EndpointWithoutRequest<KeyList>
{
    public override void Configure()
    {
        Get("/keys");
        Description(d => d.WithTags("Identity").WithSummary("List the caller's API keys"));
    }

    public override async Task<KeyList> ExecuteAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_keys WHERE owner_id = $1 ORDER BY created_at, id");
        cmd.Parameters.Add(new NpgsqlParameter { Value = User.OwnerId() });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var keys = new List<KeyResponse>();
        while (await r.ReadAsync(ct))
            keys.Add(new KeyResponse(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetFieldValue<DateTimeOffset>(3),
                r.IsDBNull(4) ? null : r.GetFieldValue<DateTimeOffset>(4), r.IsDBNull(5) ? null : r.GetFieldValue<DateTimeOffset>(5)));
        return new KeyList(keys);
    }
}

