using Exports.Data;
using Exports.Host;
using Exports.Jobs;
using Exports.Layouts;
using Exports.Series;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;

namespace Exports.Features.ExportSeries;

/// <summary>One widget of one of the caller's dashboards (by id or slug), and the data format it is exported in; the
/// range and zone overrides come from the query string, read by <see cref="LayoutOverrides"/> as the PNG/PDF routes
/// read them.</summary>
public sealed class ExportWidgetDataRequest
{
    public string Id { get; set; } = "";
    public string WidgetId { get; set; } = "";
    public string DataFormat { get; set; } = "";
}

/// <summary>The route allows only csv, xlsx and json; the dashboard and widget are looked up (404), and the query's
/// rules run with the export's.</summary>
public sealed class ExportWidgetDataValidator : Validator<ExportWidgetDataRequest>
{
    public ExportWidgetDataValidator() =>
        RuleFor(r => r.DataFormat).Must(f => f.ToLowerInvariant() is "csv" or "xlsx" or "json").WithMessage("dataFormat is csv, xlsx or json.").OverridePropertyName("dataFormat");
}

/// <summary>GET /api/v1/dashboards/{id}/widgets/{widgetId}/export.{csv|xlsx|json}: a dashboard panel's data (Grafana's
/// Inspect › Data). The widget's query runs as a streamed data export with the dashboard's range and zone, and the
/// same query-string overrides as the dashboard's PNG and PDF routes (<c>last</c>/<c>range</c>, <c>from</c>,
/// <c>to</c>, <c>tz</c>), read by the same <see cref="LayoutOverrides"/>; a range the widget sets itself wins, as it
/// does when the widget is drawn. It lives with the series exports because it is one: same admission, tiers,
/// approximation headers and background threshold. A text widget has no query (404 saying so).</summary>
public sealed class ExportWidgetData(Marten.IQuerySession docs, SeriesExports exports, JobQueue jobs, ExportGate gate, TimeProvider clock, ResultCache cache)
    : Endpoint<ExportWidgetDataRequest>
{
    public override void Configure()
    {
        // {dataFormat}, not {format}: the PNG/PDF route's template has {format}, and one path with two GET operations
        // would make the OpenAPI document ambiguous.
        Get("/dashboards/{id}/widgets/{widgetId}/export.{dataFormat:regex(^(csv|xlsx|json)$)}");
        Description(d => d.WithTags("Dashboards").WithSummary("Export one widget's data as CSV, Excel or JSON")
            .Produces(200, contentType: "text/csv").Produces<BackgroundExport>(202)
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(429).ProducesProblem(503));
    }

    public override async Task HandleAsync(ExportWidgetDataRequest req, CancellationToken ct) => await Send.ResultAsync(await ExportAsync(req, ct));

    async Task<IResult> ExportAsync(ExportWidgetDataRequest r, CancellationToken ct)
    {
        var owner = User.OwnerId();
        if (await LayoutSources.FindDashboardAsync(docs, owner, r.Id, ct) is not { } d) return Problems.NotFound($"No dashboard '{r.Id}'.");
        var layout = Adapters.Dashboard(d);
        if (layout.Widgets?.FirstOrDefault(w => w.Id == r.WidgetId) is not { } widget) return Problems.NotFound($"Dashboard '{r.Id}' has no widget '{r.WidgetId}'.");
        if (widget.Query is null)
            return Problems.Status(404, "This widget has no data",
                $"Widget '{r.WidgetId}' is a {widget.Type} widget without a query, so there is no data to export; export it as PNG or PDF.");
        var overrides = LayoutOverrides.Parse(HttpContext.Request.Query);
        if (overrides.Invalid is { } invalid) return Problems.Validation(invalid.ToDictionary(kv => kv.Key, kv => kv.Value));
        var applied = overrides.Apply(layout, "png");
        var req = widget.Query with
        {
            Timeframe = widget.Query.Timeframe ?? applied.Timeframe ?? new TimeframeSpec { Last = "24h" },
            Timezone = widget.Query.Timezone ?? applied.Timezone,
            Format = r.DataFormat.ToLowerInvariant(), FormatOptions = null, Compression = null,
            Filename = FileName(d.Slug, r.WidgetId, clock.GetUtcNow()),
        };
        return await StartSeriesExport.StreamAsync(req, exports, jobs, gate, cache, owner, HttpContext, ct, overrides.QueryName);
    }

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
