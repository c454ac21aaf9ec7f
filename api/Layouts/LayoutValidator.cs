using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Exports.Rendering;
using Exports.Series;
using Exports.Shared;

namespace Exports.Layouts;

/// <summary>Checks a layout before any query runs and turns it into the renderer's settings. Every problem is a
/// field error naming the widget (widgets[2].x …).</summary>
public static partial class LayoutValidator
{
    public static readonly string[] Types = ["line", "area", "bar", "stat", "table", "text", "gauge"];
    public const int MaxRows = 200;

    static readonly Dictionary<string, (double W, double H)> Pages = new(StringComparer.OrdinalIgnoreCase)
    {
        ["A4"] = (595.28, 841.89), ["A3"] = (841.89, 1190.55), ["Letter"] = (612, 792), ["Legal"] = (612, 1008),
    };

    [GeneratedRegex("^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$")] private static partial Regex HexColor();
    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")] private static partial Regex WidgetId();

    /// <summary>The checked layout's settings, with each widget's parsed options (in widget order).</summary>
    public sealed record Settings(string Format, Theme Theme, GridSpec Grid, PageSpec Page, int ViewportWidth, double Scale, TimeZoneInfo Zone,
        IReadOnlyList<WidgetOptions> Options);

    /// <summary>Checks the layout against <paramref name="limits"/>: the widget count first (so an oversized layout
    /// costs no per-widget or pairwise work), then each widget; at most <see cref="LayoutLimits.MaxErrors"/> messages
    /// are listed, followed by one saying how many more were omitted.</summary>
    public static Settings? Validate(ExportLayout l, Errors errors, LayoutLimits limits, DateTimeOffset now)
    {
        var e = new CappedErrors(errors, limits.MaxErrors);
        var settings = Check(l, e, limits, now);
        e.Summarise();
        return errors.Any ? null : settings;
    }

    /// <summary>Adds to the caller's errors until the cap, then only counts.</summary>
    sealed class CappedErrors(Errors inner, int max)
    {
        int _omitted;
        public Errors Inner => inner;
        public bool Any => inner.Any;
        public void Add(string field, string message)
        {
            if (inner.Count < max) inner.Add(field, message);
            else _omitted++;
        }
        public void Summarise()
        {
            if (_omitted > 0)
                inner.Add("widgets", $"{_omitted:N0} more problems were omitted: an answer lists at most {max} (EXPORTS_LAYOUT_MAX_ERRORS). Fix these and send the layout again.");
        }
    }

    static Settings? Check(ExportLayout l, CappedErrors e, LayoutLimits limits, DateTimeOffset now)
    {
        var format = (l.Format ?? "png").Trim().ToLowerInvariant();
        if (!VisualFormats.IsValid(format)) e.Add("format", "format must be png or pdf.");
        var zone = TimeZoneInfo.Utc;
        if (l.Timezone is { } tz && !TimeZones.TryIana(tz, out zone)) e.Add("timezone", $"Unknown time zone '{tz}'. Use an IANA name such as Europe/Berlin.");
        if (l.Title is { Length: > 200 }) e.Add("title", "The title has at most 200 characters.");
        if (l.Timeframe is { } frame) Timeframes.Resolve(frame, zone, now, e.Inner);
        var theme = ParseTheme(l.Theme, e);

        var g = new GridSpec(l.Grid?.Columns ?? 12, l.Grid?.RowHeight ?? 80, l.Grid?.Gap ?? 8, l.Grid?.Padding ?? 16);
        if (g.Columns is < 1 or > 48) e.Add("grid.columns", "grid.columns is from 1 to 48.");
        if (g.RowHeight is < 20 or > 400) e.Add("grid.rowHeight", "grid.rowHeight is from 20 to 400 pixels.");
        if (g.Gap is < 0 or > 64) e.Add("grid.gap", "grid.gap is from 0 to 64 pixels.");
        if (g.Padding is < 0 or > 128) e.Add("grid.padding", "grid.padding is from 0 to 128 pixels.");

        var width = l.ViewportWidth ?? 1600;
        if (width is < 320 or > 4096) e.Add("viewportWidth", "viewportWidth is from 320 to 4096 pixels.");
        var scale = l.Scale ?? 1;
        if (scale is not (1 or 2)) e.Add("scale", "scale is 1 or 2.");

        var page = ParsePage(l.Page, e);

        var widgets = l.Widgets ?? [];
        if (widgets.Count == 0) e.Add("widgets", "A layout needs at least one widget.");
        if (widgets.Count > limits.MaxWidgets)
        {
            e.Add("widgets", $"A layout has at most {limits.MaxWidgets} widgets (EXPORTS_LAYOUT_MAX_WIDGETS); this one has {widgets.Count:N0}. Split it into several layouts.");
            return null;
        }
        var ids = new HashSet<string>();
        var options = new List<WidgetOptions>(widgets.Count);
        for (var i = 0; i < widgets.Count; i++)
        {
            var w = widgets[i];
            var at = $"widgets[{i}]";
            var name = w.Id ?? $"#{i}";
            if (w.Id is null || !WidgetId().IsMatch(w.Id)) e.Add($"{at}.id", "Each widget needs an id of letters, digits, - or _ (at most 64).");
            else if (!ids.Add(w.Id)) e.Add($"{at}.id", $"Two widgets have the id '{w.Id}'.");
            if (w.Type is null || !Types.Contains(w.Type)) e.Add($"{at}.type", $"Widget '{name}': unknown type '{w.Type}'. Use {string.Join(", ", Types)}.");
            if (w.W < 1 || w.X < 0 || w.X + w.W > g.Columns) e.Add($"{at}.x", $"Widget '{name}' is outside the grid: x {w.X} + w {w.W} must fit {g.Columns} columns.");
            if (w.H < 1 || w.Y < 0 || w.Y + w.H > MaxRows) e.Add($"{at}.y", $"Widget '{name}' is outside the grid: y {w.Y} + h {w.H} must be within {MaxRows} rows.");
            if (w.Title is { Length: > 200 }) e.Add($"{at}.title", "A title has at most 200 characters.");
            if (w.Type == "text") { if (string.IsNullOrWhiteSpace(w.Text)) e.Add($"{at}.text", $"Widget '{name}' is a text widget and needs text."); }
            else if (w.Type is not null && w.Query?.Source is null) e.Add($"{at}.query", $"Widget '{name}' needs a query with a source.");
            options.Add(ParseOptions(w.Options, $"{at}.options", e.Add));
            for (var j = 0; j < i; j++)
            {
                var o = widgets[j];
                if (w.X < o.X + o.W && o.X < w.X + w.W && w.Y < o.Y + o.H && o.Y < w.Y + w.H && w.W > 0 && w.H > 0 && o.W > 0 && o.H > 0)
                    e.Add($"{at}.x", $"Widget '{name}' overlaps widget '{o.Id ?? $"#{j}"}'.");
            }
        }
        if (!e.Any)
        {
            var rows = widgets.Max(w => w.Y + w.H);
            var height = 58 + 2 * g.Padding + rows * (g.RowHeight + g.Gap);
            if ((double)width * height * scale * scale > LayoutRenderer.MaxPixels)
                e.Add("widgets", $"The layout is too large to draw: {width} × {height} pixels at scale {scale} is over {LayoutRenderer.MaxPixels:N0} pixels.");
        }
        return e.Any ? null : new Settings(format, theme, g, page, width, scale, zone, options);
    }

    static Theme ParseTheme(JsonElement? t, CappedErrors e)
    {
        if (t is null || t.Value.ValueKind == JsonValueKind.Null) return Theme.Light;
        var el = t.Value;
        string? mode = null;
        if (el.ValueKind == JsonValueKind.String) mode = el.GetString();
        else if (el.ValueKind == JsonValueKind.Object && el.TryGetProperty("mode", out var m) && m.ValueKind != JsonValueKind.Null) mode = m.Text() ?? "";
        var theme = mode switch { "dark" => Theme.Dark, "light" or null => Theme.Light, _ => null };
        if (el.ValueKind is not (JsonValueKind.String or JsonValueKind.Object)) theme = null;
        if (theme is null) { e.Add("theme", "theme is light or dark (or { mode, palette })."); return Theme.Light; }
        if (el.ValueKind == JsonValueKind.Object && el.TryGetProperty("palette", out var p))
        {
            var colors = p.ValueKind == JsonValueKind.Array ? p.EnumerateArray().Select(x => x.Text()).ToList() : [];
            if (colors.Count == 0 || colors.Any(c => c is null || !HexColor().IsMatch(c))) e.Add("theme.palette", "palette is a list of #rrggbb colours.");
            else theme = theme with { Palette = colors.Select(c => Rgba.Hex(c!)).ToList() };
        }
        return theme;
    }

    static PageSpec ParsePage(PageRequest? p, CappedErrors e)
    {
        var spec = new PageSpec();
        if (p is null) return spec;
        double w = spec.Width, h = spec.Height;
        if (p.Size is { } size && !size.Equals("custom", StringComparison.OrdinalIgnoreCase))
        {
            if (Pages.TryGetValue(size, out var dims)) (w, h) = dims;
            else e.Add("page.size", "page.size is A4, A3, Letter, Legal or custom.");
        }
        else if (p.Size is not null || p.Width is not null || p.Height is not null)
        {
            if (p.Width is not (>= 144 and <= 5000) || p.Height is not (>= 144 and <= 5000))
                e.Add("page.width", "A custom page needs width and height from 144 to 5000 points.");
            else (w, h) = (p.Width.Value, p.Height.Value);
        }
        var orientation = p.Orientation ?? "portrait";
        if (orientation is not ("portrait" or "landscape")) e.Add("page.orientation", "page.orientation is portrait or landscape.");
        if ((orientation == "landscape") != (w > h)) (w, h) = (h, w);
        var margin = p.Margin ?? 36;
        if (margin < 0 || margin > Math.Min(w, h) / 4) e.Add("page.margin", "page.margin is from 0 to a quarter of the page.");
        return new PageSpec(w, h, margin, p.Header ?? true, p.Footer ?? true);
    }

    public static WidgetOptions ParseOptions(JsonElement? options, string at, Errors e) => ParseOptions(options, at, e.Add);

    static WidgetOptions ParseOptions(JsonElement? options, string at, Action<string, string> add)
    {
        var o = new WidgetOptions();
        if (options is not { ValueKind: JsonValueKind.Object } el) return o;
        foreach (var p in el.EnumerateObject())
        {
            var v = p.Value;
            var key = $"{at}.{p.Name}";
            switch (p.Name)
            {
                case "unit" when v.ValueKind == JsonValueKind.String && v.GetString()!.Length <= 16: o = o with { Unit = v.GetString() }; break;
                case "decimals" when v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var d) && d is >= 0 and <= 6: o = o with { Decimals = d }; break;
                case "legend" when v.ValueKind is JsonValueKind.True or JsonValueKind.False: o = o with { Legend = v.GetBoolean() }; break;
                case "stacked" when v.ValueKind is JsonValueKind.True or JsonValueKind.False: o = o with { Stacked = v.GetBoolean() }; break;
                case "min" when v.ValueKind == JsonValueKind.Number: o = o with { Min = v.GetDouble() }; break;
                case "max" when v.ValueKind == JsonValueKind.Number: o = o with { Max = v.GetDouble() }; break;
                case "maxRows" when v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var mr) && mr is >= 1 and <= 500: o = o with { MaxRows = mr }; break;
                case "nulls" when v.Text() is "gap" or "connect" or "zero": o = o with { Nulls = v.Text()! }; break;
                case "colors" when v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(c => c.ValueKind == JsonValueKind.String && HexColor().IsMatch(c.GetString()!)):
                    o = o with { Colors = v.EnumerateArray().Select(c => Rgba.Hex(c.GetString()!)).ToList() }; break;
                case "thresholds" when v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(t => t.ValueKind == JsonValueKind.Object
                        && t.TryGetProperty("value", out var tv) && tv.ValueKind == JsonValueKind.Number
                        && t.TryGetProperty("color", out var tc) && tc.ValueKind == JsonValueKind.String && HexColor().IsMatch(tc.GetString()!)):
                    o = o with { Thresholds = v.EnumerateArray().Select(t => new Threshold(t.GetProperty("value").GetDouble(), Rgba.Hex(t.GetProperty("color").GetString()!))).ToList() }; break;
                case "reduce" when v.Text() is "last" or "mean" or "max" or "min" or "sum": o = o with { Reduce = v.Text()! }; break;
                case "reduce": add(key, "reduce is last, mean, max, min or sum: how a stat or gauge reduces each series over the range."); break;
                case "combine" when v.Text() is "all" or "mean" or "sum" or "max" or "min" or "first": o = o with { Combine = v.Text()! }; break;
                case "combine": add(key, "combine is all (the query's aggregation over every series' points), mean, sum, max, min or first: how a stat or gauge merges several series."); break;
                case "markers": o = o with { Markers = ParseMarkers(v, key, add) }; break;
                default:
                    add(key, p.Name is "unit" or "decimals" or "legend" or "stacked" or "min" or "max" or "maxRows" or "nulls" or "colors" or "thresholds"
                        ? $"Invalid {p.Name}." : $"Unknown widget option '{p.Name}'.");
                    break;
            }
        }
        return o;
    }

    /// <summary>markers: [{ time, label?, color? }], at most 20: time an ISO 8601 instant with an offset.</summary>
    static List<TimeMarker> ParseMarkers(JsonElement v, string at, Action<string, string> add)
    {
        var list = new List<TimeMarker>();
        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() > 20) { add(at, "markers is a list of at most 20 { time, label, color }."); return list; }
        var i = 0;
        foreach (var m in v.EnumerateArray())
        {
            var key = $"{at}[{i++}]";
            if (m.ValueKind != JsonValueKind.Object) { add(key, "A marker is an object { time, label, color }."); continue; }
            DateTimeOffset time = default;
            if (!m.TryGetProperty("time", out var t) || t.ValueKind != JsonValueKind.String
                || !DateTimeOffset.TryParse(t.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time) || !Timeframes.InRange(time))
                add($"{key}.time", "A marker needs a time: an ISO 8601 instant such as 2026-11-29T21:24:00Z.");
            var label = "";
            if (m.TryGetProperty("label", out var l) && l.ValueKind != JsonValueKind.Null)
            {
                if (l.ValueKind != JsonValueKind.String || l.GetString()!.Length > 64) add($"{key}.label", "A marker's label is text of at most 64 characters.");
                else label = l.GetString()!;
            }
            var color = Rgba.Hex("#e02f44");
            if (m.TryGetProperty("color", out var c) && c.ValueKind != JsonValueKind.Null)
            {
                if (c.ValueKind != JsonValueKind.String || !HexColor().IsMatch(c.GetString()!)) add($"{key}.color", "A marker's color is #rrggbb.");
                else color = Rgba.Hex(c.GetString()!);
            }
            foreach (var p in m.EnumerateObject())
                if (p.Name is not ("time" or "label" or "color")) add($"{key}.{p.Name}", $"Unknown marker field '{p.Name}'.");
            list.Add(new TimeMarker(time.ToUnixTimeMilliseconds(), label, color));
        }
        return list;
    }

    public static string Describe(DateTimeOffset from, DateTimeOffset to, TimeZoneInfo zone) =>
        $"{TimeZoneInfo.ConvertTime(from, zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} – {TimeZoneInfo.ConvertTime(to, zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} ({zone.Id})";
}
