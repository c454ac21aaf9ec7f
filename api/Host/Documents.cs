using System.Text.Json.Serialization;
using Exports.Data;
using JasperFx;
using Marten;
using Npgsql;
using Weasel.Core;

namespace Exports.Host;

/// <summary>Records kept as Marten documents (issue 13: one kind at a time moves off EF Core): alerts and threshold
/// monitors so far. Their tables live in the <see cref="Schema"/> schema, made at start-up (<see cref="PrepareAsync"/>)
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
                    j.Converters.Add(new UtcInstants());
                });
                o.DisableNpgsqlLogging = true;
                // Owner-scoped lookups read an indexed column, as they did on the EF tables.
                o.Schema.For<Alert>().DocumentAlias("alert")
                    .Duplicate(a => a.OwnerId, notNull: true)
                    .Duplicate(a => a.FiredAt, notNull: true);
                o.Schema.For<ThresholdMonitor>().DocumentAlias("monitor")
                    .Duplicate(m => m.OwnerId, notNull: true);
            })
            .UseNpgsqlDataSource()
            .UseLightweightSessions();
    }

    /// <summary>Creates every document table (after EF's migrations), then moves rows an older version kept in EF
    /// tables into documents (<see cref="LegacyImport"/>).</summary>
    public static async Task PrepareAsync(IServiceProvider services, ILogger log, CancellationToken ct)
    {
        var store = services.GetRequiredService<IDocumentStore>();
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync(AutoCreate.CreateOrUpdate);
        await LegacyImport.RunAsync(store, services.GetRequiredService<NpgsqlDataSource>(), log, ct);
    }
}
