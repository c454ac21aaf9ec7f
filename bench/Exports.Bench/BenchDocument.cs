using System.Globalization;
using System.Text.Json;

/// <summary>The render CLI's data dump (what the Chromium peer reads) back into a render document.</summary>
public static class BenchDocument
{
    public static Exports.Rendering.RenderDocument Load(string path)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        var r = json.RootElement;
        var all = r.GetProperty("widgets").EnumerateArray().SelectMany(w => w.TryGetProperty("series", out var s) && s.ValueKind == JsonValueKind.Array
            ? s.EnumerateArray().SelectMany(x => x.GetProperty("points").EnumerateArray().Select(p => p[0].GetDouble())) : []).ToList();
        double from = all.Count > 0 ? all.Min() : 0, to = all.Count > 0 ? all.Max() : 1;
        var g = r.GetProperty("grid");
        var widgets = r.GetProperty("widgets").EnumerateArray().Select(w =>
        {
            var type = w.GetProperty("type").GetString()!;
            Exports.Rendering.WidgetData data = type switch
            {
                "text" => new Exports.Rendering.TextData(w.GetProperty("text").GetString() ?? ""),
                "table" when !w.TryGetProperty("columns", out var cols) || cols.ValueKind != JsonValueKind.Array => new Exports.Rendering.TableData(["series"], [false],
                    w.GetProperty("series").EnumerateArray().Select(x => new[] { x.GetProperty("name").GetString()! }).ToList(), w.GetProperty("series").GetArrayLength()),
                "table" => new Exports.Rendering.TableData(
                    w.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!).ToList(),
                    w.GetProperty("rows").EnumerateArray().First().EnumerateArray().Select(v => double.TryParse(v.GetString(), NumberStyles.Any, CultureInfo.InvariantCulture, out _)).ToList(),
                    w.GetProperty("rows").EnumerateArray().Select(row => row.EnumerateArray().Select(v => v.GetString()!).ToArray()).ToList(),
                    w.GetProperty("rows").GetArrayLength()),
                _ => new Exports.Rendering.SeriesData(w.GetProperty("series").EnumerateArray().Select(s => new Exports.Rendering.DataSeries(
                    s.GetProperty("name").GetString()!,
                    s.GetProperty("points").EnumerateArray().Select(p => p[0].GetDouble()).ToArray(),
                    s.GetProperty("points").EnumerateArray().Select(p => p[1].ValueKind == JsonValueKind.Null ? double.NaN : p[1].GetDouble()).ToArray())).ToList(), from, to),
            };
            var options = new Exports.Rendering.WidgetOptions
            {
                Unit = w.TryGetProperty("unit", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null,
                Stacked = w.TryGetProperty("stacked", out var st) && st.ValueKind == JsonValueKind.True,
            };
            return new Exports.Rendering.RenderWidget(w.GetProperty("id").GetString()!, type, w.GetProperty("title").GetString() ?? "",
                w.GetProperty("x").GetInt32(), w.GetProperty("y").GetInt32(), w.GetProperty("w").GetInt32(), w.GetProperty("h").GetInt32(), options, data);
        }).ToList();
        return new Exports.Rendering.RenderDocument(r.GetProperty("title").GetString()!, "bench", TimeZoneInfo.Utc,
            r.GetProperty("theme").GetString() == "dark" ? Exports.Rendering.Theme.Dark : Exports.Rendering.Theme.Light,
            new Exports.Rendering.GridSpec(g.GetProperty("columns").GetInt32(), g.GetProperty("rowHeight").GetInt32(), g.GetProperty("gap").GetInt32(), g.GetProperty("padding").GetInt32()),
            new Exports.Rendering.PageSpec(), r.GetProperty("width").GetInt32(), 1, DateTimeOffset.UtcNow, widgets);
    }
}
