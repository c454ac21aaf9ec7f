using System.Text.Json.Serialization;
using Exports.Data;
using JasperFx;
using JasperFx.Events.Projections;
using Marten;
using Marten.Schema;
using Npgsql;
using Weasel.Core;

namespace Exports.Host;

/// <summary>Records kept as Marten documents (issue 13 moved them off EF Core, which is gone): alerts and threshold
/// monitors, dashboards, delivery destinations, templates (an event stream each, projected inline to the Template document) and schedules. Their tables live in the <see cref="Schema"/> schema, made at start-up (<see cref="PrepareAsync"/>)
/// and never at run time. Sessions use the app's one <see cref="NpgsqlDataSource"/>: a document read is request work
/// like any other and is counted in EXPORTS_DB_POOL_SIZE, so the reserve ExportGate keeps for sign-in, health and
/// records is one reserve, not a second pool beside it.</summary>
public static class Documents
{
    /// <summary>One schema for every node: documents are the app's records, not a cluster's (Wolverine's tables are).</summary>
    public const string Schema = "docs";

    public static void AddExportsDocuments(this IServiceCollection services)
    {
        services.AddMarten(o =>
            {
                o.DatabaseSchemaName = Schema;
                // Tables are made once, at start-up, by PrepareAsync; a request never runs DDL.
                o.AutoCreateSchemaObjects = AutoCreate.None;
                // The API's own JSON conventions: camelCase names, enums by name, every instant read back as UTC.
                o.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase, j =>
                {
                    j.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
                    // Instants are kept to the microsecond, as timestamptz (and so the API before documents) kept them: a
                    // document and its duplicated column then hold one value.
                    j.Converters.Add(new MicrosecondInstants());
                });
                o.DisableNpgsqlLogging = true;
                // Owner-scoped lookups read an indexed column, as they did on the EF tables.
                // The list reads an owner's alerts newest first: one index on (owner_id, fired_at DESC), as the EF table had.
                o.Schema.For<Alert>().DocumentAlias("alert")
                    .Duplicate(a => a.OwnerId, notNull: true)
                    .Duplicate(a => a.FiredAt, notNull: true);
                // Both columns descending: a scan of one owner's alerts newest first, as (owner_id, fired_at DESC).
                o.Policies.ForAllDocuments(m =>
                {
                    if (m.DocumentType == typeof(Alert))
                        m.Indexes.Add(new DocumentIndex(m, "owner_id", "fired_at")
                        {
                            Name = "mt_doc_alert_idx_owner_fired", SortOrder = Weasel.Postgresql.Tables.SortOrder.Desc,
                        });
                });
                // A slug is unique per owner and a share link's hash unique where set, as the EF table's indexes made them;
                // a request that loses the race is a 409 (BadRequests reads the unique violation).
                o.Schema.For<Dashboard>().DocumentAlias("dashboard")
                    .Duplicate(d => d.OwnerId, notNull: true)
                    .Duplicate(d => d.Slug, notNull: true)
                    .Duplicate(d => d.ShareHash, configure: i => { i.IsUnique = true; i.Predicate = "share_hash IS NOT NULL"; })
                    .UniqueIndex(UniqueIndexType.DuplicatedField, "mt_doc_dashboard_owner_slug", d => d.OwnerId, d => d.Slug)
                    // A dashboard is loaded, changed and saved whole: a save over a version another request changed in
                    // between (a revoked link, a delete) fails (409 or 404, BadRequests) instead of undoing that change.
                    .UseOptimisticConcurrency(true);
                o.Schema.For<ThresholdMonitor>().DocumentAlias("monitor")
                    .Duplicate(m => m.OwnerId, notNull: true);
                // Delivery destinations: a name unique per owner whatever its case (the table's unique index was on
                // (owner_id, lower(name))); a request that loses the race is a 409 (Delivery.Destinations reads the violation).
                o.Schema.For<Exports.Delivery.StoredDestination>().DocumentAlias("destination")
                    .Duplicate(d => d.OwnerId, notNull: true)
                    .Duplicate(d => d.NameKey, notNull: true)
                    .UniqueIndex(UniqueIndexType.DuplicatedField, "mt_doc_destination_owner_name", d => d.OwnerId, d => d.NameKey)
                    // An update reads, merges its secrets in and saves the whole document: a save over a version another
                    // request saved in between is refused and merged again (Delivery.Destinations), so no secret is lost.
                    .UseOptimisticConcurrency(true);
                // Templates: one event stream per template (stream id = template id), every version an event; the
                // Template document (current version) projected inline, a name unique per owner whatever its case (the
                // EF table's (owner_id, lower(name))): a save that loses the race is a 409 (Templates slice).
                o.Schema.For<Template>().DocumentAlias("template")
                    .Duplicate(t => t.OwnerId, notNull: true)
                    .Duplicate(t => t.NameKey, notNull: true)
                    .UniqueIndex(UniqueIndexType.DuplicatedField, TemplateNameIndex, t => t.OwnerId, t => t.NameKey);
                // Schedules: the spec kept typed; owner and template as columns (a template's delete takes its schedules).
                o.Schema.For<Exports.Features.Schedule.ExportSchedule>().DocumentAlias("schedule")
                    .Duplicate(x => x.OwnerId, notNull: true)
                    .Duplicate(x => x.TemplateId, notNull: true);
                o.Events.AddEventTypes([typeof(TemplateCreated), typeof(TemplateUpdated), typeof(TemplateDeleted)]);
                o.Projections.Add<TemplateProjection>(ProjectionLifecycle.Inline);
                // Export jobs' lifecycle streams (Jobs.JobEvents, stream id = job id), in the same event tables as the
                // templates' (made at start-up by PrepareAsync).
                o.Events.AddEventTypes(Exports.Jobs.JobEvents.Types);
                // Quick appends (store-wide): one round trip per append instead of first reading the stream's version;
                // expected-version appends (the templates' 409 on a stale edit) are still checked, and the inline
                // Template projection counts its own versions, needing no event metadata Quick leaves out.
                o.Events.AppendMode = JasperFx.Events.EventAppendMode.Quick;
            })
            .UseNpgsqlDataSource()
            .UseLightweightSessions();
        services.AddScoped<TemplateReader>();
        services.AddSingleton<IScheduleTriggers, Exports.Features.Schedule.QuartzScheduleTriggers>();
    }

    /// <summary>The unique index on (owner_id, name_key) of templates: a violation of it is "the name is taken".</summary>
    public const string TemplateNameIndex = "mt_doc_template_owner_name";

    /// <summary>The advisory lock held while the document tables are made: two nodes starting together would both
    /// run the same CREATE TABLE, and one would fail on the other's table.</summary>
    public const long SchemaLockKey = 0x6578_706f_7274_0d0d;

    /// <summary>Creates every document table (after the migrations, one node at a time), then moves rows an older
    /// version kept in EF tables into documents (<see cref="LegacyImport"/>).</summary>
    public static async Task PrepareAsync(IServiceProvider services, ILogger log, CancellationToken ct)
    {
        var store = services.GetRequiredService<IDocumentStore>();
        var db = services.GetRequiredService<NpgsqlDataSource>();
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            await using (var lockCmd = new NpgsqlCommand($"SELECT pg_advisory_lock({SchemaLockKey})", conn))
                await lockCmd.ExecuteNonQueryAsync(ct);
            try { await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync(AutoCreate.CreateOrUpdate); }
            finally
            {
                await using var unlock = new NpgsqlCommand($"SELECT pg_advisory_unlock({SchemaLockKey})", conn);
                await unlock.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }
        await LegacyImport.RunAsync(store, db, log, ct);
    }
}

/// <summary>Date-times in documents: read back as the UTC instant they name, written to the microsecond (the 100 ns
/// ticks below it dropped), the precision of PostgreSQL's timestamptz. Unlike <see cref="UtcInstants"/> (a client's
/// input) a read refuses no range: a document holds what was saved, such as a schedule an older version kept with a
/// startAt in the year 9999, and must still load (its list shows no fire times rather than failing).</summary>
public sealed class MicrosecondInstants : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
        reader.TokenType == System.Text.Json.JsonTokenType.String && reader.TryGetDateTimeOffset(out var value)
            ? value.ToUniversalTime()
            : throw new System.Text.Json.JsonException("The value is not an ISO-8601 date-time.");

    public override void Write(System.Text.Json.Utf8JsonWriter writer, DateTimeOffset value, System.Text.Json.JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToMicroseconds());
}
