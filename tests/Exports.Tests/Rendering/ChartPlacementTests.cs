using Exports.Rendering;
using Exports.Rendering.Cairo;
using Exports.Rendering.Charts;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Rendering;

/// <summary>Where charts put bars, markers, tick labels and text: decoded PNG pixels, the tick rule, pdftotext.</summary>
public sealed class ChartPlacementTests
{
    static readonly DateTimeOffset Day = new(2026, 11, 20, 0, 0, 0, TimeSpan.Zero);
    static double Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    static RenderDocument Doc(params RenderWidget[] widgets) => new("Charts", "", TimeZoneInfo.Utc, Theme.Light, new GridSpec(), new PageSpec(),
        1600, 1, Day, widgets);

    static (int W, int H, uint[] Px) Png(RenderDocument d) => CairoSurfaces.DecodePng(LayoutRenderer.Png(d));

    static bool Near(uint p, Rgba c, int tol = 40) =>
        Math.Abs((int)(p >> 16 & 0xff) - (int)Math.Round(c.R * 255)) < tol && Math.Abs((int)(p >> 8 & 0xff) - (int)Math.Round(c.G * 255)) < tol
        && Math.Abs((int)(p & 0xff) - (int)Math.Round(c.B * 255)) < tol;

    /// <summary>Runs of consecutive x where <paramref name="hit"/> holds along row y within [x0, x1).</summary>
    static List<(int From, int To)> Runs(Func<int, bool> hit, int x0, int x1)
    {
        var runs = new List<(int, int)>();
        for (var x = x0; x < x1; x++)
        {
            if (!hit(x)) continue;
            var s = x;
            while (x + 1 < x1 && hit(x + 1)) x++;
            runs.Add((s, x + 1));
        }
        return runs;
    }

    /// <summary>The x of each vertical grid line: columns that are grey (anti-aliased grid colour, over one or two
    /// pixels) in nearly every row of the plot's upper half. Text, horizontal grid lines, data colours and their blends
    /// with white never fill a column like that.</summary>
    static List<double> VerticalGridLines((int W, int H, uint[] Px) img, RectF panel)
    {
        static bool Grey(uint p)
        {
            int r = (int)(p >> 16 & 0xff), g = (int)(p >> 8 & 0xff), b = (int)(p & 0xff);
            return (p & 0xFFFFFF) != 0xffffff && Math.Max(r, Math.Max(g, b)) - Math.Min(r, Math.Min(g, b)) <= 12;
        }
        int y0 = (int)panel.Y + 40, y1 = (int)(panel.Y + panel.H * 0.6);
        var runs = Runs(x => Enumerable.Range(y0, y1 - y0).Count(y => Grey(img.Px[y * img.W + x])) >= 0.9 * (y1 - y0), (int)panel.X + 4, (int)panel.Right - 4);
        return runs.Select(r => (r.From + r.To) / 2.0).ToList();
    }

    [Fact]
    public void Bars_CoverTheirBucketsTimeSpan_OnTheTicksScale_PartialBucketsClipped()
    {
        // Hourly buckets from 10:00 to 16:00 over 10:30-16:30: the first and last buckets are half inside the range.
        var from = Day.AddHours(10.5);
        var to = Day.AddHours(16.5);
        var xs = Enumerable.Range(10, 7).Select(h => Ms(Day.AddHours(h))).ToArray();
        var data = new SeriesData([new DataSeries("errors", xs, xs.Select(_ => 1.0).ToArray())], Ms(from), Ms(to))
        {
            Bucket = new BucketSpan(3_600_000, 0, 0, TimeZoneInfo.Utc),
        };
        var doc = Doc(new RenderWidget("bars", "bar", "Errors per hour", 0, 0, 12, 4, new WidgetOptions { Max = 10, Legend = false }, data));
        var img = Png(doc);
        var panel = GridLayout.Place(doc.Widgets[0], doc.Grid, 1600, doc.Grid.Padding + GridLayout.HeaderHeight);
        var blue = Theme.Light.Palette[0];
        var grid = VerticalGridLines(img, panel);
        // A row through the bars (they are a tenth of the plot high, at its bottom).
        var barRow = Enumerable.Range((int)panel.Y, (int)panel.H).Last(y => Enumerable.Range((int)panel.X, (int)panel.W).Count(x => Near(img.Px[y * img.W + x], blue, 20)) > 200) - 3;
        var bars = Runs(x => Near(img.Px[barRow * img.W + x], blue, 60), (int)panel.X, (int)panel.Right);
        Assert.Equal(7, bars.Count);
        double Width((int From, int To) r) => r.To - r.From;
        var full = Width(bars[1]);
        Assert.All(bars.Skip(1).Take(5), b => Assert.InRange(Width(b), full - 2, full + 2));
        Assert.InRange(Width(bars[0]), full / 2 - 2, full / 2 + 2);
        Assert.InRange(Width(bars[^1]), full / 2 - 2, full / 2 + 2);
        // Ticks every 30 minutes from 10:30: the first and last bars start and end at the range's ends (first and
        // last grid lines), and every boundary between two bars (a full hour) is on a grid line.
        Assert.InRange(bars[0].From - grid[0], -2, 2);
        Assert.InRange(bars[^1].To - grid[^1], -2, 2);
        for (var i = 1; i < bars.Count; i++)
        {
            var boundary = (bars[i - 1].To + bars[i].From) / 2.0;
            Assert.True(grid.Any(g => Math.Abs(g - boundary) <= 2), $"bar boundary at x {boundary} is on no grid line ({string.Join(", ", grid)})");
        }
    }

    [Fact]
    public void GroupedBars_SplitTheirBucketsSpan()
    {
        var xs = Enumerable.Range(0, 6).Select(h => Ms(Day.AddHours(h))).ToArray();
        var data = new SeriesData([new DataSeries("a", xs, xs.Select(_ => 1.0).ToArray()), new DataSeries("b", xs, xs.Select(_ => 1.0).ToArray())],
            Ms(Day), Ms(Day.AddHours(6))) { Bucket = new BucketSpan(3_600_000, 0, 0, TimeZoneInfo.Utc) };
        var doc = Doc(new RenderWidget("bars", "bar", "Grouped", 0, 0, 12, 4, new WidgetOptions { Max = 10, Legend = false }, data));
        var img = Png(doc);
        var panel = GridLayout.Place(doc.Widgets[0], doc.Grid, 1600, doc.Grid.Padding + GridLayout.HeaderHeight);
        var (a, b) = (Theme.Light.Palette[0], Theme.Light.Palette[1]);
        var grid = VerticalGridLines(img, panel);
        var row = Enumerable.Range((int)panel.Y, (int)panel.H).Last(y => Enumerable.Range((int)panel.X, (int)panel.W).Count(x => Near(img.Px[y * img.W + x], a, 20)) > 200) - 3;
        var first = Runs(x => Near(img.Px[row * img.W + x], a, 60), (int)panel.X, (int)panel.Right);
        var second = Runs(x => Near(img.Px[row * img.W + x], b, 60), (int)panel.X, (int)panel.Right);
        Assert.Equal(6, first.Count);
        Assert.Equal(6, second.Count);
        // Hour h: series a on its first half, b on its second; the hour starts and ends on the hourly grid lines.
        for (var h = 0; h < 6; h++)
        {
            Assert.True(grid.Any(g => Math.Abs(g - first[h].From) <= 2), $"hour {h} starts at {first[h].From}, grid {string.Join(", ", grid)}");
            Assert.InRange(second[h].From - first[h].To, -1, 2);
            Assert.InRange((second[h].To - second[h].From) - (first[h].To - first[h].From), -2, 2);
        }
    }

    [Fact]
    public void Marker_IsAVerticalLineAtItsTime_WithItsLabel()
    {
        var green = Rgba.Hex("#00c000");
        var xs = Enumerable.Range(0, 361).Select(m => Ms(Day.AddHours(10).AddMinutes(m))).ToArray();
        var data = new SeriesData([new DataSeries("cpu", xs, xs.Select(_ => 5.0).ToArray())], Ms(Day.AddHours(10)), Ms(Day.AddHours(16)));
        var options = new WidgetOptions { Max = 100, Legend = false, Markers = [new TimeMarker(Ms(Day.AddHours(13).AddMinutes(20)), "fired 13:20 UTC", green)] };
        var doc = Doc(new RenderWidget("cpu", "line", "CPU", 0, 0, 12, 4, options, data));
        var img = Png(doc);
        var panel = GridLayout.Place(doc.Widgets[0], doc.Grid, 1600, doc.Grid.Padding + GridLayout.HeaderHeight);
        var grid = VerticalGridLines(img, panel);
        // Grid lines every 30 minutes from 10:00 to 16:00: the scale is linear between the first and the last.
        Assert.Equal(13, grid.Count);
        var expected = grid[0] + (grid[^1] - grid[0]) * (200.0 / 360);
        var counts = Enumerable.Range((int)panel.X, (int)panel.W)
            .Select(x => (X: x, N: Enumerable.Range((int)panel.Y, (int)panel.H).Count(y => Near(img.Px[y * img.W + x], green, 30)))).ToList();
        var column = counts.MaxBy(c => c.N);
        Assert.True(column.N > 100, $"marker pixels in the best column: {column.N}");
        Assert.InRange(column.X + 0.5 - expected, -2, 2);

        var path = Path.Combine(Path.GetTempPath(), $"marker-{Guid.NewGuid():N}.pdf");
        File.WriteAllBytes(path, LayoutRenderer.Pdf(doc, "t").Pdf);
        try { Assert.Contains("fired 13:20 UTC", Tools.Run("pdftotext", path, "-")); }
        finally { File.Delete(path); }
    }

    [Fact]
    public void TickLabels_DependOnTheInstantOnly_NotOnTheChartsWidth()
    {
        var zones = new[] { TimeZoneInfo.Utc, TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata"), TimeZoneInfo.FindSystemTimeZoneById("America/New_York") };
        foreach (var zone in zones)
            foreach (var hours in new[] { 6, 24, 48, 72, 24 * 40, 24 * 400 })
            {
                var from = Ms(Day.AddMinutes(7));
                var to = from + hours * 3_600_000.0;
                var seen = new Dictionary<double, string>();
                foreach (var width in Enumerable.Range(4, 30).Select(i => i * 50.0))
                    foreach (var (ms, label) in TimeScale.Ticks(from, to, width, zone))
                    {
                        // Within a day HH:mm; at local midnight the date; on New Year's the year.
                        var local = TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds((long)ms), zone).DateTime;
                        var expected = local.TimeOfDay != TimeSpan.Zero ? local.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture)
                            : local.Month == 1 && local.Day == 1 ? local.Year.ToString(System.Globalization.CultureInfo.InvariantCulture)
                            : local.ToString("MMM d", System.Globalization.CultureInfo.InvariantCulture);
                        Assert.Equal(expected, label);
                        if (seen.TryGetValue(ms, out var before)) Assert.Equal(before, label); // the same instant reads the same at every width
                        seen[ms] = label;
                    }
            }
    }

    [Fact]
    public void PdfText_ReadsTitleThenLegendThenAxes()
    {
        var xs = Enumerable.Range(0, 1441).Select(m => Ms(Day.AddMinutes(m))).ToArray();
        SeriesData Data(params string[] names) =>
            new(names.Select((n, i) => new DataSeries(n, xs, xs.Select(x => 10.0 * i + x % 7).ToArray())).ToList(), Ms(Day), Ms(Day.AddDays(1)));
        var doc = Doc(new RenderWidget("cpu", "line", "Chart title here", 0, 0, 6, 4, new WidgetOptions(), Data("alpha-series", "beta-series", "gamma-series")),
            new RenderWidget("load", "line", "Second chart", 6, 0, 6, 4, new WidgetOptions(), Data("delta-series", "epsilon-series")));
        var path = Path.Combine(Path.GetTempPath(), $"order-{Guid.NewGuid():N}.pdf");
        File.WriteAllBytes(path, LayoutRenderer.Pdf(doc, "t").Pdf);
        try
        {
            var text = Tools.Run("pdftotext", path, "-");
            var lines = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
            var axisLabel = new System.Text.RegularExpressions.Regex(@"^(\d+|\d\d:\d\d|Nov \d+)$");
            foreach (var (title, names) in new[] { ("Chart title here", new[] { "alpha-series", "beta-series", "gamma-series" }), ("Second chart", new[] { "delta-series", "epsilon-series" }) })
            {
                var t = lines.IndexOf(title);
                // The whole legend is one line, its items in series order.
                var legend = lines.FindIndex(l => names.All(l.Contains));
                Assert.True(legend >= 0, text);
                Assert.Equal(names, names.OrderBy(n => lines[legend].IndexOf(n, StringComparison.Ordinal)));
                var firstAxis = lines.FindIndex(axisLabel.IsMatch);
                Assert.True(t >= 0 && t < legend && legend < firstAxis, $"title {t}, legend {legend}, first axis label {firstAxis}:\n{text}");
            }
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void StatValue_ShrinksToFit_NeverEllipsized()
    {
        var xs = new[] { Ms(Day), Ms(Day.AddMinutes(1)) };
        var data = new SeriesData([new DataSeries("", xs, [107_123_456.0, 107_654_321.0])], Ms(Day), Ms(Day.AddMinutes(2)));
        var doc = Doc(new RenderWidget("net", "stat", "Network in", 0, 0, 2, 2, new WidgetOptions { Unit = "Mbit/s", Decimals = 0 }, data),
            new RenderWidget("g", "gauge", "Gauge", 2, 0, 2, 2, new WidgetOptions { Unit = "Mbit/s", Decimals = 0, Max = 2e8 }, data));
        var path = Path.Combine(Path.GetTempPath(), $"fit-{Guid.NewGuid():N}.pdf");
        File.WriteAllBytes(path, LayoutRenderer.Pdf(doc, "t").Pdf);
        try
        {
            var text = Tools.Run("pdftotext", path, "-");
            Assert.Equal(2, text.Split("107654321 Mbit/s").Length - 1);
            Assert.DoesNotContain("…", text);
        }
        finally { File.Delete(path); }
    }
}
