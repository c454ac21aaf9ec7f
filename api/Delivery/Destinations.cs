using Exports.Shared;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Npgsql;
using NpgsqlTypes;

namespace Exports.Delivery;

/// <summary>A destination as the API shows it: its config, and only the names of its secrets.</summary>
public sealed record DestinationView(Guid Id, string Name, string Kind, JsonElement Config, IReadOnlyList<string> Secrets,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>A destination ready to deliver to: config plus decrypted secrets. Never serialized.</summary>
public sealed record Destination(Guid Id, Guid OwnerId, string Name, string Kind, JsonElement Config, IReadOnlyDictionary<string, string> Secrets)
{
    public string? Get(string key) => Config.TryGetProperty(key, out var v) ? v.Text() : null;
}

/// <summary>The destinations table. Secrets are one Data Protection payload (purpose exports.destinations.v1): only
/// this class decrypts them, for a delivery.</summary>
public sealed class Destinations(NpgsqlDataSource db, IDataProtectionProvider protection) : Jobs.IDeliveryTargets
{
    readonly IDataProtector _protector = protection.CreateProtector("exports.destinations.v1");

    public async Task<List<DestinationView>> ListAsync(Guid owner, CancellationToken ct) =>
        await ViewsAsync("SELECT id, name, kind, config::text, secret_names, created_at, updated_at FROM destinations WHERE owner_id = $1 ORDER BY lower(name)", ct, owner);

    public async Task<DestinationView?> GetViewAsync(Guid owner, Guid id, CancellationToken ct) =>
        (await ViewsAsync("SELECT id, name, kind, config::text, secret_names, created_at, updated_at FROM destinations WHERE owner_id = $1 AND id = $2", ct, owner, id)).FirstOrDefault();

    async Task<List<DestinationView>> ViewsAsync(string sql, CancellationToken ct, params object[] args)
    {
        await using var cmd = db.CreateCommand(sql);
        foreach (var a in args) cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<DestinationView>();
        while (await r.ReadAsync(ct))
            list.Add(new DestinationView(r.GetGuid(0), r.GetString(1), r.GetString(2), JsonDocument.Parse(r.GetString(3)).RootElement.Clone(),
                r.GetFieldValue<string[]>(4), r.GetFieldValue<DateTimeOffset>(5), r.GetFieldValue<DateTimeOffset>(6)));
        return list;
    }

    public async Task<IReadOnlyList<Destination>> LoadAsync(Guid owner, IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return [];
        await using var cmd = db.CreateCommand("SELECT id, owner_id, name, kind, config::text, secrets FROM destinations WHERE owner_id = $1 AND id = ANY($2)");
        cmd.Parameters.Add(new NpgsqlParameter { Value = owner });
        cmd.Parameters.Add(new NpgsqlParameter { Value = ids.ToArray() });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<Destination>();
        while (await r.ReadAsync(ct))
        {
            var secrets = r.IsDBNull(5) ? new Dictionary<string, string>()
                : JsonSerializer.Deserialize<Dictionary<string, string>>(_protector.Unprotect(r.GetString(5)))!;
            list.Add(new Destination(r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.GetString(3), JsonDocument.Parse(r.GetString(4)).RootElement.Clone(), secrets));
        }
        return list;
    }

    /// <summary>Inserts or updates; on update, secrets not given keep their stored values. False on a name clash.</summary>
    public async Task<bool> SaveAsync(Guid owner, Guid id, string name, string kind, JsonElement config, IReadOnlyDictionary<string, string>? secrets,
        bool isNew, DateTimeOffset now, CancellationToken ct)
    {
        var merged = new Dictionary<string, string>();
        if (!isNew && (await LoadAsync(owner, [id], ct)).FirstOrDefault() is { } existing)
            foreach (var kv in existing.Secrets) merged[kv.Key] = kv.Value;
        foreach (var kv in secrets ?? new Dictionary<string, string>()) merged[kv.Key] = kv.Value;
        var payload = merged.Count == 0 ? null : _protector.Protect(JsonSerializer.Serialize(merged));
        var sql = isNew
            ? "INSERT INTO destinations (id, owner_id, name, kind, config, secrets, secret_names, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)"
            : "UPDATE destinations SET name = $3, kind = $4, config = $5, secrets = $6, secret_names = $7, updated_at = $8 WHERE id = $1 AND owner_id = $2";
        await using var cmd = db.CreateCommand(sql);
        cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        cmd.Parameters.Add(new NpgsqlParameter { Value = owner });
        cmd.Parameters.Add(new NpgsqlParameter { Value = name });
        cmd.Parameters.Add(new NpgsqlParameter { Value = kind });
        cmd.Parameters.Add(new NpgsqlParameter { Value = config.GetRawText(), NpgsqlDbType = NpgsqlDbType.Jsonb });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)payload ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = merged.Keys.Order().ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = now });
        try { await cmd.ExecuteNonQueryAsync(ct); return true; }
        catch (PostgresException e) when (e.SqlState == "23505") { return false; }
    }

    public async Task<IReadOnlyList<Guid>> MissingAsync(Guid owner, IReadOnlyList<Guid> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return [];
        await using var cmd = db.CreateCommand("SELECT id FROM destinations WHERE owner_id = $1 AND id = ANY($2)");
        cmd.Parameters.Add(new NpgsqlParameter { Value = owner });
        cmd.Parameters.Add(new NpgsqlParameter { Value = ids.ToArray() });
        var found = new HashSet<Guid>();
        await using (var r = await cmd.ExecuteReaderAsync(ct)) while (await r.ReadAsync(ct)) found.Add(r.GetGuid(0));
        return ids.Where(i => !found.Contains(i)).ToList();
    }

    public async Task<bool> DeleteAsync(Guid owner, Guid id, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("DELETE FROM destinations WHERE owner_id = $1 AND id = $2");
        cmd.Parameters.Add(new NpgsqlParameter { Value = owner });
        cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }
}
