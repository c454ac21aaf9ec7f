using System.Security.Claims;
using Exports.Series;

namespace Exports.Features.ExportSeries;

/// <summary>GET /api/v1/sources/{source}/export?range=24h&amp;format=csv&amp;metrics=a,b: the simple form for scripts
/// and curl. Maps its query string onto the one export request (exact=true as in the body form) and streams like the
/// POST form.</summary>
public static class QuickSeriesExport
{
    public static void Map(RouteGroupBuilder g) =>
        g.MapGet("/sources/{source}/export", async (string source, HttpRequest http, SeriesExports exports, Exports.Jobs.JobQueue jobs, Exports.Host.ExportGate gate, ClaimsPrincipal user, CancellationToken ct) =>
            {
                var q = http.Query;
                List<string>? List(string name) => q[name].ToString() is { Length: > 0 } s
                    ? s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList() : null;
                string? One(string name) => q[name].ToString() is { Length: > 0 } s ? s : null;
                bool? exact = null;
                if (One("exact") is { } ex)
                {
                    if (bool.TryParse(ex, out var b)) exact = b;
                    else return Exports.Host.Problems.Validation(new Dictionary<string, string[]> { ["exact"] = [$"'{ex}' is not true or false."] });
                }
                var req = new ExportRequest
                {
                    Source = source,
                    Metrics = List("metrics"),
                    Fields = List("fields"),
                    Timeframe = One("from") is not null || One("to") is not null
                        ? new TimeframeSpec { From = One("from"), To = One("to") }
                        : new TimeframeSpec { Last = One("range") ?? "24h" },
                    Timezone = One("tz") ?? One("timezone"),
                    Granularity = One("granularity"),
                    GroupBy = List("groupBy"),
                    Aggregations = List("aggregations"),
                    Shape = One("shape"),
                    Format = One("format") ?? "csv",
                    Compression = One("compression"),
                    Filename = One("filename"),
                    Exact = exact,
                };
                // Errors name the query parameter the client sent, not the request field it became.
                string Field(string key) => key switch
                {
                    "timeframe.last" => "range",
                    "timeframe.from" => "from",
                    "timeframe.to" => "to",
                    "timezone" => One("tz") is not null ? "tz" : "timezone",
                    _ when key.StartsWith("metrics[", StringComparison.Ordinal) => "metrics",
                    _ when key.StartsWith("fields[", StringComparison.Ordinal) => "fields",
                    _ when key.StartsWith("groupBy[", StringComparison.Ordinal) => "groupBy",
                    _ when key.StartsWith("aggregations[", StringComparison.Ordinal) => "aggregations",
                    _ => key,
                };
                return await StartSeriesExport.HandleAsync(req, exports, jobs, gate, Exports.Host.Auth.OwnerId(user), http.HttpContext, ct, Field);
            })
            .WithTags("Export series").WithSummary("Export with query-string parameters (for curl and scripts)")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(429).ProducesProblem(503);
}
