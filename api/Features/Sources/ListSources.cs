using System.Security.Claims;
using Exports.Series;
using Exports.Host;
using Npgsql;

namespace Exports.Features.Sources;

/// <summary>The catalog: every source of the caller with its metrics or fields, dimensions and their values,
/// time extent and row counts per tier.</summary>
public static class ListSources
{
    public static void Map(RouteGroupBuilder g) =>
        g.MapGet("/sources", async (NpgsqlDataSource db, ClaimsPrincipal user, CancellationToken ct) =>
            TypedResults.Ok(new { sources = await HandleAsync(db, user.OwnerId(), ct) }))
        .WithTags("Sources").WithSummary("List the caller's sources with their catalog");

    public static async Task<List<object>> HandleAsync(NpgsqlDataSource db, Guid owner, CancellationToken ct)
    {
        var names = new List<string>();
        await using (var cmd = db.CreateCommand("SELECT name FROM sources WHERE owner_id = $1 ORDER BY name"))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = owner });
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) names.Add(r.GetString(0));
        }
        var result = new List<object>();
        foreach (var name in names)
        {
            var src = await SourceCatalog.LoadAsync(db, owner, name, ct);
            if (src is null) continue;
            var (extent, counts) = await src.StatsAsync(db, ct);
            result.Add(new
            {
                name = src.Name, kind = src.Kind, description = src.Description,
                metrics = src.Metrics, fields = src.Schema.Fields, dimensions = src.Dimensions,
                extent, rowCounts = counts,
            });
        }
        return result;
    }
}

