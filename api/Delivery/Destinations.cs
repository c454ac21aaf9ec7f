using Exports.Shared;
using System.Text.Json;
using Marten;
using Marten.Exceptions;
using Microsoft.AspNetCore.DataProtection;
using Npgsql;

namespace Exports.Delivery;

/// <summary>A destination as the API shows it: its config, and only the names of its secrets.</summary>
public sealed record DestinationView(Guid Id, string Name, string Kind, JsonElement Config, IReadOnlyList<string> Secrets,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>A destination ready to deliver to: config plus decrypted secrets. Never serialized.</summary>
public sealed record Destination(Guid Id, Guid OwnerId, string Name, string Kind, JsonElement Config, IReadOnlyDictionary<string, string> Secrets)
{
    public string? Get(string key) => Config.TryGetProperty(key, out var v) ? v.Text() : null;
}

/// <summary>A destination as it is kept: a Marten document (<c>docs.mt_doc_destination</c>, registered in
/// Host/Documents.cs). <see cref="Secrets"/> is the Data Protection ciphertext, never the secrets: only
/// <see cref="Destinations"/> decrypts it, for a delivery, and nothing returns or logs it.</summary>
public sealed class StoredDestination
{
    public Guid Id { get; set; }
    public Guid OwnerId { get; set; }
    public string Name { get; set; } = "";
    /// <summary>The name as it is unique per owner and sorted (the table's unique index was on <c>lower(name)</c>): a
    /// duplicated column with a unique index on (owner_id, name_key).</summary>
    public string NameKey => Key(Name);
    public string Kind { get; set; } = "";
    public JsonElement Config { get; set; }
    /// <summary>One Data Protection payload (purpose exports.destinations.v1) of the secrets as a JSON object; null when none.</summary>
    public string? Secrets { get; set; }
    public string[] SecretNames { get; set; } = [];
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public static string Key(string name) => name.ToLowerInvariant();

    public DestinationView View() => new(Id, Name, Kind, Config, SecretNames, CreatedAt, UpdatedAt);
}

/// <summary>The owner's destinations, kept as <see cref="StoredDestination"/> documents. Secrets are one Data Protection
/// payload (purpose exports.destinations.v1): only this class decrypts them, for a delivery.</summary>
public sealed class Destinations(IDocumentStore store, NpgsqlDataSource db, IDataProtectionProvider protection) : Jobs.IDeliveryTargets
{
    readonly IDataProtector _protector = protection.CreateProtector("exports.destinations.v1");

    /// <summary>How often an update's read-merge-write runs again after another request changed the destination in
    /// between (its optimistic concurrency check refused the save): past that, the caller gets 409.</summary>
    const int UpdateAttempts = 8;

    public async Task<List<DestinationView>> ListAsync(Guid owner, CancellationToken ct)
    {
        await using var q = store.QuerySession();
        var docs = await q.Query<StoredDestination>().Where(d => d.OwnerId == owner).OrderBy(d => d.NameKey).ToListAsync(ct);
        return docs.Select(d => d.View()).ToList();
    }

    public async Task<DestinationView?> GetViewAsync(Guid owner, Guid id, CancellationToken ct)
    {
        await using var q = store.QuerySession();
        return await FindAsync(q, owner, id, ct) is { } d ? d.View() : null;
    }

    /// <summary>Another owner's destination is as missing as one that does not exist: the owner is in the query, so
    /// another owner's document (its secrets with it) is never read.</summary>
    static Task<StoredDestination?> FindAsync(IQuerySession q, Guid owner, Guid id, CancellationToken ct) =>
        q.Query<StoredDestination>().Where(d => d.OwnerId == owner && d.Id == id).FirstOrDefaultAsync(ct);

    /// <summary>The owner's destinations among <paramref name="ids"/>, read with the owner in the query.</summary>
    static Task<IReadOnlyList<StoredDestination>> OwnedAsync(IQuerySession q, Guid owner, IEnumerable<Guid> ids, CancellationToken ct)
    {
        var wanted = ids.Distinct().ToArray();
        return q.Query<StoredDestination>().Where(d => d.OwnerId == owner && d.Id.IsOneOf(wanted)).ToListAsync(ct);
    }

    public async Task<IReadOnlyList<Destination>> LoadAsync(Guid owner, IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return [];
        await using var q = store.QuerySession();
        return (await OwnedAsync(q, owner, ids, ct))
            .Select(d => new Destination(d.Id, d.OwnerId, d.Name, d.Kind, d.Config, Decrypt(d)))
            .ToList();
    }

    Dictionary<string, string> Decrypt(StoredDestination d) => d.Secrets is null ? []
        : JsonSerializer.Deserialize<Dictionary<string, string>>(_protector.Unprotect(d.Secrets))!;

    /// <summary>Inserts or updates; on update, secrets not given keep their stored values. False on a name clash (the
    /// unique index on owner and name decides, so two requests racing for one name get one true). An update of a
    /// destination that is gone (or another owner's) writes nothing and is true: the caller's re-read answers 404.
    /// An update is a read-merge-write of the whole document under optimistic concurrency: when another request saved
    /// the destination in between, the save is refused and the merge runs again on what that request left, so a
    /// secret one request set is never dropped by another that had read the destination before it (after
    /// <see cref="UpdateAttempts"/> refusals the <see cref="JasperFx.ConcurrencyException"/> is the caller's 409).</summary>
    public async Task<bool> SaveAsync(Guid owner, Guid id, string name, string kind, JsonElement config, IReadOnlyDictionary<string, string>? secrets,
        bool isNew, DateTimeOffset now, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try { return await SaveOnceAsync(owner, id, name, kind, config, secrets, isNew, now, ct); }
            catch (Exception e) when (!isNew && attempt < UpdateAttempts && Find<JasperFx.ConcurrencyException>(e) is not null) { }
        }
    }

    async Task<bool> SaveOnceAsync(Guid owner, Guid id, string name, string kind, JsonElement config, IReadOnlyDictionary<string, string>? secrets,
        bool isNew, DateTimeOffset now, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var merged = new Dictionary<string, string>();
        StoredDestination d;
        if (isNew) d = new StoredDestination { Id = id, OwnerId = owner, CreatedAt = now };
        else
        {
            if (await FindAsync(session, owner, id, ct) is not { } existing) return true;
            d = existing;
            foreach (var kv in Decrypt(existing)) merged[kv.Key] = kv.Value;
        }
        foreach (var kv in secrets ?? new Dictionary<string, string>()) merged[kv.Key] = kv.Value;
        d.Name = name;
        d.Kind = kind;
        d.Config = config.Clone();
        d.Secrets = merged.Count == 0 ? null : _protector.Protect(JsonSerializer.Serialize(merged));
        d.SecretNames = merged.Keys.Order().ToArray();
        d.UpdatedAt = now;
        // An update, not an upsert: a destination deleted since it was read is not brought back.
        if (isNew) session.Insert(d);
        else session.Update(d);
        try { await session.SaveChangesAsync(ct); return true; }
        catch (Exception e) when (UniqueViolation(e)) { return false; }
        catch (Exception e) when (Find<NonExistentDocumentException>(e) is not null) { return true; }
    }

    public async Task<IReadOnlyList<Guid>> MissingAsync(Guid owner, IReadOnlyList<Guid> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return [];
        await using var q = store.QuerySession();
        var found = (await OwnedAsync(q, owner, ids, ct)).Select(d => d.Id).ToHashSet();
        return ids.Where(i => !found.Contains(i)).ToList();
    }

    /// <summary>Removes the destination with its secrets. Deliveries already recorded keep its id and name; an export or
    /// schedule that still names it records "The destination no longer exists." when it delivers. One DELETE with the
    /// owner in its WHERE: of requests deleting one destination at once, exactly one removes the row and is true.</summary>
    public async Task<bool> DeleteAsync(Guid owner, Guid id, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"DELETE FROM {store.Options.Schema.For<StoredDestination>()} WHERE id = $1 AND owner_id = $2");
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = owner });
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    static bool UniqueViolation(Exception e) => Find<PostgresException>(e) is { SqlState: PostgresErrorCodes.UniqueViolation };

    static T? Find<T>(Exception e) where T : Exception
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is T t) return t;
            if (x is AggregateException agg) return agg.InnerExceptions.Select(Find<T>).FirstOrDefault(f => f is not null);
        }
        return null;
    }
}
