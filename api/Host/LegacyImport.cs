using Exports.Data;
using Exports.Features.Schedule;
using Marten;
using Npgsql;

namespace Exports.Host;

/// <summary>Upgrade in place: a database made by a version that kept dashboards, monitors, alerts, templates and
/// schedules in EF tables (and destinations in a plain table) has rows in <c>dashboards</c>, <c>monitors</c>,
/// <c>alerts</c>, <c>destinations</c>, <c>templates</c>, <c>template_versions</c> and <c>schedules</c> (or only some of
/// them: each table is looked for on its own; a template and its versions become one event stream; a schedule's JSON
/// spec is read into its typed spec). At start-up, under a transaction-scoped advisory lock (two nodes may start
/// together), each such table's rows become documents (same ids, every field) and the table is renamed
/// <c>legacy_&lt;name&gt;</c>, all in one transaction: a node that waited on the lock finds nothing left to import, and
/// a crash leaves the table as it was. On a fresh database EF has just made the tables empty; they are renamed the
/// same way, so a second start imports nothing. Foreign keys that other tables (still on EF) hold on a moved table
/// are dropped first: nothing in EF may refer to a row that now lives in a document.</summary>
public static class LegacyImport
{
    /// <summary>The advisory lock's key ("exports-docs" as a number): one importer per database at a time.</summary>
    public const long LockKey = 0x6578_706f_7274_0d0c;

    /// <summary>The tables that moved, in the order they are imported.</summary>
    public static readonly string[] Tables = ["dashboards", "monitors", "alerts", "destinations", "templates", "template_versions", "schedules"];

    public static async Task RunAsync(IDocumentStore store, NpgsqlDataSource db, ILogger log, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await Exec(conn, tx, $"SELECT pg_advisory_xact_lock({LockKey})", ct);
        // An old node still running would write to the tables while they are read (a row written after the read would
        // be lost with the rename): writers wait for this transaction, and find the tables renamed (stop old nodes first).
        foreach (var table in Tables)
            if (await ExistsAsync(conn, tx, table, ct))
                await Exec(conn, tx, $"LOCK TABLE public.\"{table}\" IN SHARE ROW EXCLUSIVE MODE", ct);
        await using var session = store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(tx));
        var moved = new List<string>();
        foreach (var table in Tables)
        {
            if (!await ExistsAsync(conn, tx, table, ct)) continue;
            var count = table switch
            {
                "templates" => await TemplatesAsync(conn, tx, session, ct),
                // Read with their templates (above): every version becomes an event of its template's stream.
                "template_versions" => 0,
                "dashboards" => Store(session, await ReadAsync(conn, tx, "SELECT id, owner_id, slug, title, description, layout::text, share_hash, shared_at, created_at, updated_at FROM public.dashboards", r => new Dashboard
                {
                    Id = r.GetGuid(0), OwnerId = r.GetGuid(1), Slug = r.GetString(2), Title = r.GetString(3), Description = r.GetString(4),
                    Layout = r.GetString(5), ShareHash = r.IsDBNull(6) ? null : r.GetString(6),
                    SharedAt = r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7), CreatedAt = r.GetFieldValue<DateTimeOffset>(8),
                    UpdatedAt = r.GetFieldValue<DateTimeOffset>(9),
                }, ct)),
                "monitors" => Store(session, await ReadAsync(conn, tx, "SELECT id, owner_id, name, query::text, condition, threshold, state, value, since, dashboard_id, created_at FROM public.monitors", r => new ThresholdMonitor
                {
                    Id = r.GetGuid(0), OwnerId = r.GetGuid(1), Name = r.GetString(2), Query = r.GetString(3), Condition = r.GetString(4),
                    Threshold = r.GetDouble(5), State = r.GetString(6), Value = r.IsDBNull(7) ? null : r.GetDouble(7),
                    Since = r.GetFieldValue<DateTimeOffset>(8), DashboardId = r.IsDBNull(9) ? null : r.GetGuid(9),
                    CreatedAt = r.GetFieldValue<DateTimeOffset>(10),
                }, ct)),
                // Destinations: the secrets' ciphertext is copied as it is (the same Data Protection payload), never decrypted here.
                "destinations" => Store(session, Deduplicated(await ReadAsync(conn, tx, "SELECT id, owner_id, name, kind, config::text, secrets, secret_names, created_at, updated_at FROM public.destinations", r => new Exports.Delivery.StoredDestination
                {
                    Id = r.GetGuid(0), OwnerId = r.GetGuid(1), Name = r.GetString(2), Kind = r.GetString(3),
                    Config = System.Text.Json.JsonDocument.Parse(r.GetString(4)).RootElement.Clone(), Secrets = r.IsDBNull(5) ? null : r.GetString(5),
                    SecretNames = r.GetFieldValue<string[]>(6), CreatedAt = r.GetFieldValue<DateTimeOffset>(7), UpdatedAt = r.GetFieldValue<DateTimeOffset>(8),
                }, ct), log)),
                "schedules" => Store(session, await ReadAsync(conn, tx, "SELECT id, owner_id, template_id, name, spec::text, cron, timezone, active, created_at, updated_at FROM public.schedules", r => new ExportSchedule
                {
                    Id = r.GetGuid(0), OwnerId = r.GetGuid(1), TemplateId = r.GetGuid(2), Name = r.GetString(3), Spec = ScheduleSpecOf(r.GetString(4)),
                    Cron = r.GetString(5), Timezone = r.GetString(6), Active = r.GetBoolean(7), CreatedAt = r.GetFieldValue<DateTimeOffset>(8),
                    UpdatedAt = r.GetFieldValue<DateTimeOffset>(9),
                }, ct)),
                "alerts" => Store(session, await ReadAsync(conn, tx, "SELECT id, owner_id, title, severity, fired_at, monitor_id, targets::text, created_at FROM public.alerts", r => new Alert
                {
                    Id = r.GetGuid(0), OwnerId = r.GetGuid(1), Title = r.GetString(2), Severity = r.GetString(3),
                    FiredAt = r.GetFieldValue<DateTimeOffset>(4), MonitorId = r.IsDBNull(5) ? null : r.GetGuid(5),
                    Targets = r.GetString(6), CreatedAt = r.GetFieldValue<DateTimeOffset>(7),
                }, ct)),
                _ => throw new InvalidOperationException($"No import for {table}."),
            };
            moved.Add($"{table} ({count})");
        }
        if (moved.Count == 0) return;
        await session.SaveChangesAsync(ct);
        // The secrets now live in the documents only: a copy left in the old table would outlive a delete of the
        // destination or a change of its secret.
        if (await ExistsAsync(conn, tx, "destinations", ct))
            await Exec(conn, tx, "UPDATE public.destinations SET secrets = NULL WHERE secrets IS NOT NULL", ct);
        foreach (var table in Tables)
        {
            if (!await ExistsAsync(conn, tx, table, ct)) continue;
            foreach (var (owner, fk) in await ForeignKeysOnAsync(conn, tx, table, ct))
            {
                await Exec(conn, tx, $"ALTER TABLE {owner} DROP CONSTRAINT \"{fk}\"", ct);
                log.LogInformation("Dropped {Constraint} on {Table}: it referred to {Moved}, now documents", fk, owner, table);
            }
            await Exec(conn, tx, $"ALTER TABLE public.\"{table}\" RENAME TO \"legacy_{table}\"", ct);
        }
        await tx.CommitAsync(ct);
        log.LogInformation("Moved into documents: {Tables}; the old tables are kept as legacy_*", string.Join(", ", moved));
    }

    /// <summary>The longest name a destination may have (DestinationRules): a renamed one stays within it.</summary>
    const int NameLength = 100;

    /// <summary>Destinations whose names collide once keyed as documents key them (<see cref="Exports.Delivery.StoredDestination.Key"/>,
    /// the invariant culture's lower case, where the table's index was PostgreSQL's <c>lower(name)</c>, which follows
    /// the database's locale: "Ärzte" and "ärzte" were two names on a C-locale database) would fail the import's save on
    /// the unique index, and so every start. Per owner and key, the oldest (created_at, then id) keeps its name; each
    /// later one gets " (2)", " (3)", … (the first whose key is free for that owner), with a warning naming it.</summary>
    static List<Exports.Delivery.StoredDestination> Deduplicated(List<Exports.Delivery.StoredDestination> rows, ILogger log)
    {
        foreach (var owner in rows.GroupBy(d => d.OwnerId))
        {
            var taken = owner.Select(d => Exports.Delivery.StoredDestination.Key(d.Name)).ToHashSet(StringComparer.Ordinal);
            foreach (var clash in owner.GroupBy(d => Exports.Delivery.StoredDestination.Key(d.Name)).Where(g => g.Count() > 1).OrderBy(g => g.Key, StringComparer.Ordinal))
                foreach (var d in clash.OrderBy(d => d.CreatedAt).ThenBy(d => d.Id).Skip(1))
                {
                    var old = d.Name;
                    for (var n = 2; ; n++)
                    {
                        var suffix = $" ({n})";
                        var name = (old.Length + suffix.Length > NameLength ? old[..(NameLength - suffix.Length)] : old) + suffix;
                        if (!taken.Add(Exports.Delivery.StoredDestination.Key(name))) continue;
                        d.Name = name;
                        break;
                    }
                    log.LogWarning("Destination {Id} of owner {Owner} renamed from {OldName} to {NewName}: its name is the same as destination {Kept}'s once case is ignored, and names are unique per owner",
                        d.Id, d.OwnerId, old, d.Name, clash.OrderBy(x => x.CreatedAt).ThenBy(x => x.Id).First().Id);
                }
        }
        return rows;
    }

    /// <summary>Each template row with its template_versions rows becomes one event stream (stream id = template id):
    /// its versions in order, version 1 a <see cref="TemplateCreated"/> and each later one a <see cref="TemplateUpdated"/>
    /// with the body and the time that version was saved (a version row's created_at; the current version's, the row's
    /// updated_at), so <c>/versions/{n}</c> reads as before. The inline projection writes the Template document.</summary>
    static async Task<int> TemplatesAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IDocumentSession session, CancellationToken ct)
    {
        var templates = await ReadAsync(conn, tx, "SELECT id, owner_id, name, description, request::text, version, created_at, updated_at FROM public.templates", r =>
            (Id: r.GetGuid(0), Owner: r.GetGuid(1), Body: new TemplateUpdated(r.GetString(2), r.GetString(3), r.GetString(4), r.GetGuid(1), r.GetFieldValue<DateTimeOffset>(7)),
             Version: r.GetInt32(5), CreatedAt: r.GetFieldValue<DateTimeOffset>(6)), ct);
        var older = (await ExistsAsync(conn, tx, "template_versions", ct)
                ? await ReadAsync(conn, tx, "SELECT template_id, version, name, description, request::text, created_at FROM public.template_versions ORDER BY template_id, version", r =>
                    (TemplateId: r.GetGuid(0), Version: r.GetInt32(1), Name: r.GetString(2), Description: r.GetString(3), Request: r.GetString(4), At: r.GetFieldValue<DateTimeOffset>(5)), ct)
                : [])
            .ToLookup(v => v.TemplateId);
        foreach (var t in templates)
        {
            var versions = older[t.Id].Where(v => v.Version < t.Version).Select(v => (v.Version, Body: new TemplateUpdated(v.Name, v.Description, v.Request, t.Owner, v.At)))
                .Append((t.Version, t.Body)).OrderBy(v => v.Version).Select(v => v.Body).ToList();
            var first = versions[0];
            var events = new List<object> { new TemplateCreated(t.Id, t.Owner, first.Name, first.Description, first.Request, t.Owner, t.CreatedAt) };
            events.AddRange(versions.Skip(1));
            session.Events.StartStream<Template>(t.Id, events.ToArray());
        }
        return templates.Count;
    }

    /// <summary>A schedule's spec as the old table kept it (jsonb, read as the old version read it), typed.</summary>
    public static ScheduleBody ScheduleSpecOf(string json) =>
        System.Text.Json.JsonSerializer.Deserialize<ScheduleBody>(json, System.Text.Json.JsonSerializerOptions.Web) ?? new ScheduleBody();

    static int Store<T>(IDocumentSession session, List<T> docs) where T : notnull
    {
        if (docs.Count > 0) session.Store<T>(docs);
        return docs.Count;
    }

    static async Task<List<T>> ReadAsync<T>(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, Func<NpgsqlDataReader, T> map, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<T>();
        while (await r.ReadAsync(ct)) list.Add(map(r));
        return list;
    }

    static async Task<bool> ExistsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string table, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", conn, tx);
        cmd.Parameters.Add(new() { Value = $"public.{table}" });
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Foreign keys on <paramref name="table"/> held by tables that stay (neither moved nor legacy), each
    /// table named as regclass prints it (quoted where needed).</summary>
    static async Task<List<(string Table, string Constraint)>> ForeignKeysOnAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string table, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            SELECT c.conrelid::regclass::text, c.conname FROM pg_constraint c
            WHERE c.contype = 'f' AND c.confrelid = to_regclass($1) AND c.conrelid <> c.confrelid
              AND NOT (c.conrelid::regclass::text = ANY($2)) AND c.conrelid::regclass::text NOT LIKE 'legacy\_%'
            """, conn, tx);
        cmd.Parameters.Add(new() { Value = $"public.{table}" });
        cmd.Parameters.Add(new() { Value = Tables });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<(string, string)>();
        while (await r.ReadAsync(ct)) list.Add((r.GetString(0), r.GetString(1)));
        return list;
    }

    static async Task Exec(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
