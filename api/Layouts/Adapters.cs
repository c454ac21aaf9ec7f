using System.Globalization;
using System.Text.Json;
using Exports.Data;
using Exports.Series;

namespace Exports.Layouts;

/// <summary>Overrides from a query string: time range, time zone, theme, page and scale. A value that does not
/// parse is an error named after its query parameter (never silently ignored), and so is every error the layout's
/// check finds in a value the query string set (<see cref="QueryName"/>).</summary>
public sealed record LayoutOverrides(string? From, string? To, string? Last, string? Timezone, string? Theme, string? Page,
    string? Orientation, double? Scale, int? Width)
{
    /// <summary>Query values that are not of their parameter's type, keyed by parameter.</summary>
    public IReadOnlyDictionary<string, string[]>? Invalid { get; init; }
    string TzName { get; init; } = "tz";
    string LastName { get; init; } = "last";

    /// <param name="query">The query string's values (an ASP.NET Core <c>IQueryCollection</c> is one; Layouts know
    /// nothing of HTTP), looked up without regard to case as the query collection does.</param>
    public static LayoutOverrides Parse(IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>> query)
    {
        var q = query.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.OrdinalIgnoreCase);
        string? S(string k) => q.TryGetValue(k, out var sv) && sv.ToString() is { Length: > 0 } v ? v : null;
        var bad = new Dictionary<string, string[]>();
        double? scale = null;
        if (S("scale") is { } sc)
        {
            if (double.TryParse(sc, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)) scale = v;
            else bad["scale"] = [$"'{sc}' is not a number: scale is 1 or 2."];
        }
        int? width = null;
        if (S("width") is { } ws)
        {
            if (int.TryParse(ws, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)) width = v;
            else bad["width"] = [$"'{ws}' is not a whole number of pixels."];
        }
        return new(S("from"), S("to"), S("last") ?? S("range"), S("tz") ?? S("timezone"), S("theme"), S("page"), S("orientation"), scale, width)
        {
            Invalid = bad.Count > 0 ? bad : null,
            TzName = S("tz") is not null ? "tz" : "timezone",
            LastName = S("last") is not null ? "last" : "range",
        };
    }

    /// <summary>The query parameter behind a layout field's error, when the query string set that field.</summary>
    public string QueryName(string key) => key switch
    {
        "timezone" when Timezone is not null => TzName,
        "timeframe.last" when Last is not null => LastName,
        "timeframe.from" when From is not null => "from",
        "timeframe.to" when To is not null => "to",
        "timeframe" when Last is not null => LastName,
        "timeframe" when From is not null || To is not null => "from",
        "theme" when Theme is not null => "theme",
        "page.size" when Page is not null => "page",
        "page.orientation" when Orientation is not null => "orientation",
        "scale" when Scale is not null => "scale",
        "viewportWidth" when Width is not null => "width",
        _ => key,
    };

    public ExportLayout Apply(ExportLayout l, string format) => l with
    {
        Format = format,
        Timeframe = Last is not null ? new TimeframeSpec { Last = Last } : From is not null || To is not null ? new TimeframeSpec { From = From, To = To } : l.Timeframe,
        Timezone = Timezone ?? l.Timezone,
        Theme = Theme is not null ? JsonSerializer.SerializeToElement(Theme) : l.Theme,
        Page = Page is not null || Orientation is not null ? (l.Page ?? new PageRequest()) with { Size = Page ?? l.Page?.Size, Orientation = Orientation ?? l.Page?.Orientation } : l.Page,
        Scale = Scale ?? l.Scale,
        ViewportWidth = Width ?? l.ViewportWidth,
    };
}

/// <summary>Dashboards, monitors, alerts and single widgets as layouts. The renderer only ever sees the result.</summary>
public static class Adapters
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    public static ExportLayout Dashboard(Dashboard d) =>
        (JsonSerializer.Deserialize<ExportLayout>(d.Layout, Json) ?? new ExportLayout()) with { Title = d.Title };

    /// <summary>One widget of a dashboard, full width, with the dashboard's time range and theme.</summary>
    public static ExportLayout? Widget(Dashboard d, string widgetId)
    {
        var l = Dashboard(d);
        var w = l.Widgets?.FirstOrDefault(x => x.Id == widgetId);
        if (w is null) return null;
        var columns = l.Grid?.Columns ?? 12;
        return l with { Title = $"{d.Title}: {w.Title ?? w.Id}", Widgets = [w with { X = 0, Y = 0, W = columns, H = Math.Max(w.H, 3) }] };
    }

    /// <summary>A status header (state, value, threshold, since), from the monitor's evaluation <paramref name="s"/>,
    /// above the linked dashboard's widgets (or the watched series with its threshold).</summary>
    public static ExportLayout Monitor(ThresholdMonitor m, MonitorState s, Dashboard? linked)
    {
        var query = JsonSerializer.Deserialize<ExportRequest>(m.Query, Json) ?? new ExportRequest();
        static string Utc(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";
        var value = s.Value is { } v ? MonitorEvaluation.Format(v) : "no data";
        var of = s.Series is { Length: > 0 } name ? $" ({name}, {Utc(s.ValueAt!.Value)})" : "";
        var since = s.SinceAtLeast ? "since at least" : "since";
        var window = $"latest point of each series in the last {MonitorEvaluation.Window.TotalHours:0} h, evaluated {Utc(s.EvaluatedAt)}";
        var red = "#e02f44";
        var header = new List<WidgetRequest>
        {
            new()
            {
                Id = "monitor-status", Type = "text", Title = $"Monitor: {m.Name}", X = 0, Y = 0, W = 8, H = 2,
                Text = $"**State: {s.State.ToUpperInvariant()}** {since} {Utc(s.Since)}\n" +
                       (s.Error is { } err ? $"- Query failed: {err}\n" : $"- Value: **{value}**{of}\n") +
                       $"- Condition: {m.Condition} {MonitorEvaluation.Format(m.Threshold)}; {window}",
            },
            // The evaluated value as text: a stat would reduce its own query over the layout's range instead.
            new()
            {
                Id = "monitor-value", Type = "text", Title = "Current value", X = 8, Y = 0, W = 4, H = 2,
                Text = $"# {value}\n{s.Series ?? ""}",
            },
        };
        var baseLayout = linked is null ? new ExportLayout() : Dashboard(linked);
        var shifted = (baseLayout.Widgets ?? []).Select(w => w with { Y = w.Y + 2 });
        if (linked is null)
            shifted = [new WidgetRequest { Id = "monitor-series", Type = "line", Title = m.Name, X = 0, Y = 2, W = 12, H = 4, Query = query,
                Options = JsonSerializer.SerializeToElement(new { thresholds = new[] { new { value = m.Threshold, color = red } } }) }];
        return baseLayout with { Title = $"Monitor: {m.Name}", Widgets = [.. header, .. shifted] };
    }

    public sealed record AlertTarget(string? Title, ExportRequest? Query, double? Threshold);

    /// <summary>A fired alert as a stack of widgets: a header, then each target's series around the firing time.</summary>
    public static ExportLayout Alert(Alert a, DateTimeOffset now)
    {
        var targets = JsonSerializer.Deserialize<List<AlertTarget>>(a.Targets, Json) ?? [];
        var from = a.FiredAt.AddHours(-3);
        var to = a.FiredAt.AddHours(1) < now ? a.FiredAt.AddHours(1) : now;
        var widgets = new List<WidgetRequest>
        {
            new()
            {
                Id = "alert", Type = "text", Title = $"Alert ({a.Severity})", X = 0, Y = 0, W = 12, H = 2,
                Text = $"# {a.Title}\nFired **{a.FiredAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC**; {targets.Count} target(s) below, 3 hours before to 1 hour after.",
            },
        };
        // Every target's chart marks the fire time.
        var marker = new { time = a.FiredAt.ToUniversalTime().ToString("O"), label = $"fired {a.FiredAt.UtcDateTime:HH:mm} UTC", color = "#e02f44" };
        for (var i = 0; i < targets.Count; i++)
            widgets.Add(new WidgetRequest
            {
                Id = $"target-{i + 1}", Type = "line", Title = targets[i].Title ?? $"Target {i + 1}", X = 0, Y = 2 + i * 4, W = 12, H = 4,
                Query = targets[i].Query,
                Options = targets[i].Threshold is { } th
                    ? JsonSerializer.SerializeToElement(new { thresholds = new[] { new { value = th, color = "#e02f44" } }, markers = new[] { marker } })
                    : JsonSerializer.SerializeToElement(new { markers = new[] { marker } }),
            });
        return new ExportLayout
        {
            Title = $"Alert: {a.Title}", Widgets = widgets,
            Timeframe = new TimeframeSpec { From = from.ToString("O"), To = to.ToString("O") },
        };
    }
}
