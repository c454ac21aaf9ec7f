using System.Security.Claims;
using Exports.Data;
using Exports.Host;
using Exports.Jobs;
using Exports.Layouts;
using Exports.Series;

namespace Exports.Features.ExportSeries;

/// <summary>GET /api/v1/dashboards/{id}/widgets/{widgetId}/export.{csv|xlsx|json}: a dashboard panel's data (Grafana's
/// Inspect › Data). The widget's query runs as a streamed data export with the dashboard's range and zone, and the
/// same query-string overrides as the dashboard's PNG and PDF routes (<c>last</c>/<c>range</c>, <c>from</c>,
/// <c>to</c>, <c>tz</c>), read by the same <see cref="LayoutOverrides"/>; a range the widget sets itself wins, as it
/// does when the widget is drawn. It lives with the series exports because it is one: same admission, tiers,
/// approximation headers and background threshold. A text widget has no query (404 saying so).</summary>
public static class ExportWidgetData
{
    public static void Map(RouteGroupBuilder g) =>
        // {dataFormat}, not {format}: the PNG/PDF route's template has {format}, and one path with two GET operations
        // would make the OpenAPI document ambiguous.
        g.MapGet("/dashboards/{id}/widgets/{widgetId}/export.{dataFormat:regex(^(csv|xlsx|json)$)}", async (string id, string widgetId, string dataFormat,
                HttpContext http, ExportsDb db, SeriesExports exports, JobQueue jobs, ExportGate gate, TimeProvider clock, ClaimsPrincipal user, CancellationToken ct) =>
            {
                var owner = user.OwnerId();
                if (await LayoutSources.FindDashboardAsync(db, owner, id, ct) is not { } d) return Problems.NotFound($"No dashboard '{id}'.");
                var layout = Adapters.Dashboard(d);
                if (layout.Widgets?.FirstOrDefault(w => w.Id == widgetId) is not { } widget) return Problems.NotFound($"Dashboard '{id}' has no widget '{widgetId}'.");
                if (widget.Query is null)
                    return Problems.Status(404, "This widget has no data",
                        $"Widget '{widgetId}' is a {widget.Type} widget without a query, so there is no data to export; export it as PNG or PDF.");
                var overrides = LayoutOverrides.Parse(http.Request.Query);
                if (overrides.Invalid is { } invalid) return Problems.Validation(invalid.ToDictionary(kv => kv.Key, kv => kv.Value));
                var applied = overrides.Apply(layout, "png");
                var req = widget.Query with
                {
                    Timeframe = widget.Query.Timeframe ?? applied.Timeframe ?? new TimeframeSpec { Last = "24h" },
                    Timezone = widget.Query.Timezone ?? applied.Timezone,
                    Format = dataFormat, FormatOptions = null, Compression = null,
                    Filename = FileName(d.Slug, widgetId, clock.GetUtcNow()),
                };
                return await StartSeriesExport.HandleAsync(req, exports, jobs, gate, owner, http, ct, overrides.QueryName);
            })
            .WithTags("Dashboards").WithSummary("Export one widget's data as CSV, Excel or JSON")
            .Produces(200, contentType: "text/csv").Produces<BackgroundExport>(202)
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(429).ProducesProblem(503);

    /// <summary>"{slug}-{widgetId}-{date}", made a valid file name: the client never sent it, so a long slug or widget
    /// id is shortened (the date kept) rather than refused as a filename error.</summary>
    internal static string FileName(string slug, string widgetId, DateTimeOffset now)
    {
        var date = $"-{now:yyyy-MM-dd}";
        var stem = Exports.Shared.FileNames.Sanitize($"{slug}-{widgetId}");
        if (stem.Length > Exports.Shared.FileNames.MaxLength - date.Length)
        {
            var cut = Exports.Shared.FileNames.MaxLength - date.Length;
            if (char.IsLowSurrogate(stem[cut])) cut--;
            stem = stem[..cut];
        }
        stem = stem.TrimEnd('.', ' ', '-', '_');
        return Exports.Shared.FileNames.Sanitize((stem.Length == 0 ? "widget" : stem) + date);
    }
}
