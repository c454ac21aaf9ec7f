using Exports.Host;
using Exports.Jobs;
using Exports.Series;
using Exports.Shared;
using FastEndpoints;
using Microsoft.AspNetCore.Http;

namespace Exports.Features.ExportSeries;

/// <summary>The source named in the route; the export's options come from the query string, read by
/// <see cref="QuickSeriesExport.Parse"/> (they are not bound: each has its own syntax and errors).</summary>
public sealed class QuickSeriesExportRequest
{
    public string Source { get; set; } = "";
}

/// <summary>Nothing to check before admission: the source and every query-string option are checked as the export's
/// request, in <see cref="SeriesExports.PrepareAsync"/> (an unknown source is a 404, as the body form answers), and
/// their errors named after the query parameters the client sent.</summary>
public sealed class QuickSeriesExportValidator : Validator<QuickSeriesExportRequest>;

/// <summary>GET /api/v1/sources/{source}/export?range=24h&amp;format=csv&amp;metrics=a,b: the simple form for scripts
/// and curl. Maps its query string onto the one export request (exact=true as in the body form) and streams like the
/// POST form.</summary>
public sealed class QuickSeriesExport(SeriesExports exports, JobQueue jobs, ExportGate gate, ResultCache cache) : Endpoint<QuickSeriesExportRequest>
{
    public override void Configure()
    {
        Get("/sources/{source}/export");
        Description(d => d.WithTags("Export series").WithSummary("Export with query-string parameters (for curl and scripts)")
            .Produces(200, contentType: "text/csv").Produces<BackgroundExport>(202)
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(429).ProducesProblem(503));
    }

    public override async Task HandleAsync(QuickSeriesExportRequest req, CancellationToken ct)
    {
        var (export, field, invalid) = Parse(req.Source, HttpContext.Request.Query);
        await Send.ResultAsync(invalid ?? await StartSeriesExport.StreamAsync(export!, exports, jobs, gate, cache, User.OwnerId(), HttpContext, ct, field));
    }

    /// <summary>The query string as the one export request, and the field namer that turns the request's field names
    /// back into the parameters the client sent; or the 400 for a value that is not even of its type.</summary>
    static (ExportRequest? Request, Func<string, string> Field, IResult? Invalid) Parse(string source, IQueryCollection q)
    {
        List<string>? List(string name) => q[name].ToString() is { Length: > 0 } s
            ? s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList() : null;
        string? One(string name) => q[name].ToString() is { Length: > 0 } s ? s : null;
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
        bool? exact = null;
        if (One("exact") is { } ex)
        {
            if (bool.TryParse(ex, out var b)) exact = b;
            else return (null, Field, Problems.Validation(new Dictionary<string, string[]> { ["exact"] = [$"'{ex}' is not true or false."] }));
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
        return (req, Field, null);
    }
}
