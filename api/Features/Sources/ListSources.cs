using Exports.Host;
using Exports.Series;
using FastEndpoints;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Exports.Features.Sources;

/// <summary>One source in the catalog: its metrics (timeseries) or fields (records), dimensions with their values,
/// time extent (none while it holds no rows) and row counts per tier.</summary>
public sealed record SourceView(string Name, string Kind, string Description, IReadOnlyList<MetricInfo> Metrics, List<FieldInfo> Fields,
    IReadOnlyList<DimensionInfo> Dimensions, Extent? Extent, RowCounts RowCounts);

public sealed record SourceList(List<SourceView> Sources);

/// <summary>GET /sources: the catalog, every source of the caller by name.</summary>
public sealed class ListSources(NpgsqlDataSource db) : EndpointWithoutRequest<Ok<SourceList>>
{
    public override void Configure()
    {
        Get("/sources");
        Description(d => d.WithTags("Sources").WithSummary("List the caller's sources with their catalog").Produces<SourceList>());
    }

    public override async Task<Ok<SourceList>> ExecuteAsync(CancellationToken ct) =>
        TypedResults.Ok(new SourceList(await CatalogAsync(db, User.OwnerId(), ct)));

    static async Task<List<SourceView>> CatalogAsync(NpgsqlDataSource db, Guid owner, CancellationToken ct)
    {
        var names = new List<string>();
        await using (var cmd = db.CreateCommand("SELECT name FROM sources WHERE owner_id = $1 ORDER BY name"))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = owner });
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) names.Add(r.GetString(0));
        }
        var result = new List<SourceView>();
        foreach (var name in names)
        {
            var src = await SourceCatalog.LoadAsync(db, owner, name, ct);
            if (src is null) continue;
            var (extent, counts) = await src.StatsAsync(db, ct);
            result.Add(new SourceView(src.Name, src.Kind, src.Description, src.Metrics, src.Schema.Fields, src.Dimensions, extent, counts));
        }
        return result;
    }
}
