using Exports.Rendering;
using Exports.Rendering.Charts;

namespace Exports.Tests.Rendering;

/// <summary>The pure parts of drawing: nice ticks, time ticks in a zone, downsampling, chart and page layout.</summary>
public sealed class ChartMathTests
{
    sealed class FakeMeasurer : ITextMeasurer
    {
        public (double Width, double Height) Measure(string text, TextStyle style) => (text.Length * style.Size * 0.6, style.Size * 1.3);
    }

    [Theory]
    [InlineData(0, 97, 5, 0, 100, 20)]
    [InlineData(12.3, 18.9, 4, 12, 20, 2)]
    [InlineData(-3, 3, 6, -3, 3, 1)]
    [InlineData(0, 0.042, 4, 0, 0.06, 0.02)]
    public void NiceTicks_AreOneTwoOrFiveTimesAPowerOfTen(double min, double max, int target, double lo, double hi, double step)
    {
        var t = NiceScale.Ticks(min, max, target);
        Assert.Equal(lo, t.Min, 9);
        Assert.Equal(hi, t.Max, 9);
        Assert.Equal(step, t.Step, 9);
    }

    [Theory]
    [InlineData(1e18, 1000000000000000128)]   // a step of ~20 cannot move a double near 1e18
    [InlineData(1e17, 1e17 + 16)]
    [InlineData(-1.7e308, 1.7e308)]
    [InlineData(0, 1e-320)]                    // subnormal
    public void TickValues_AreFewAndEnd_WhateverTheRange(double min, double max)
    {
        var (lo, hi, step) = NiceScale.Ticks(min, max, 5);
        var values = NiceScale.Values(lo, hi, step).Take(1000).ToList();
        Assert.InRange(values.Count, 1, 101);
        Assert.True(values.Zip(values.Skip(1)).All(p => p.Second > p.First), "ticks increase");
    }

    [Fact]
    public void ALineChart_OverAnExtremeRange_IsLaidOut()
    {
        var series = new[] { new DataSeries("x", [0, 1000], [1e18, 1000000000000000128.0]) };
        var o = new WidgetOptions { Min = 1e18, Max = 1000000000000000128 };
        var g = ChartLayout.Compute(new RectF(0, 0, 600, 300), series, 0, 1000, o, TimeZoneInfo.Utc, new FakeMeasurer());
        Assert.InRange(g.YTicks.Count, 1, 101);
    }

    [Fact]
    public void MonthTicks_StopAtTheEndOfTheCalendar()
    {
        var from = new DateTimeOffset(9999, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var to = new DateTimeOffset(9999, 12, 30, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var ticks = TimeScale.Ticks(from, to, 300, TimeZoneInfo.Utc);
        Assert.Equal("Dec 1", ticks[^1].Label);
        Assert.Equal(new DateTimeOffset(9999, 12, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), ticks[^1].Ms);
    }

    [Fact]
    public void Labels_UseUnitsAndThousands()
    {
        Assert.Equal("40%", NiceScale.Format(40, 20, null, "%"));
        Assert.Equal("2.5 Mbit/s", NiceScale.Format(2.5, 0.5, null, "Mbit/s"));
        Assert.Equal("12.5k", NiceScale.Format(12_500, 2500, null, null));
        Assert.Equal("0", NiceScale.Format(-0.0000001, 1, null, null));
    }

    [Fact]
    public void TimeTicks_AreLocalHours_AcrossTheAutumnClockChange()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        // 2026-10-25: clocks go back at 03:00 local (01:00 UTC). 22:00 UTC on the 24th to 06:00 UTC on the 25th.
        var from = new DateTimeOffset(2026, 10, 24, 22, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var to = new DateTimeOffset(2026, 10, 25, 6, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var ticks = TimeScale.Ticks(from, to, 900, berlin);
        Assert.All(ticks.Skip(1), t => Assert.EndsWith(":00", t.Label));
        Assert.Equal(ticks.Select(t => t.Ms).Distinct().Count(), ticks.Count);
        Assert.True(ticks.Zip(ticks.Skip(1)).All(p => p.Second.Ms > p.First.Ms));
        Assert.Equal("Oct 25", ticks.First().Label); // 22:00 UTC is midnight in Berlin (summer time): the day's date
        Assert.Equal("07:00", ticks.Last().Label); // 06:00 UTC is 07:00 in winter time
    }

    [Fact]
    public void Downsampling_KeepsPeaksAndGaps_AndBoundsThePointCount()
    {
        const int n = 1_000_000;
        var x = new double[n];
        var y = new double[n];
        for (var i = 0; i < n; i++) { x[i] = i; y[i] = Math.Sin(i / 5000.0); }
        y[123_457] = 50;   // a one-point spike
        y[800_000] = -50;  // a one-point dip
        for (var i = 500_000; i < 510_000; i++) y[i] = double.NaN; // a gap
        var (dx, dy) = Downsample.MinMax(x, y, 0, n, 800);
        Assert.True(dx.Length <= 800 * 4 + 10, $"{dx.Length} points");
        Assert.Contains(50.0, dy);
        Assert.Contains(-50.0, dy);
        Assert.Contains(dy, double.IsNaN);
        Assert.True(dx.Zip(dx.Skip(1)).All(p => p.Second >= p.First), "time order is kept");
        var small = Downsample.MinMax(x[..2000], y[..2000], 0, 2000, 800);
        Assert.True(small.X.Length <= 2000);
        // Vector output: min and max only, still every peak, still in time order.
        var (vx, vy) = Downsample.MinMax(x, y, 0, n, 400, extremesOnly: true);
        Assert.True(vx.Length <= 400 * 2 + 10, $"{vx.Length} points");
        Assert.Contains(50.0, vy);
        Assert.Contains(-50.0, vy);
        Assert.True(vx.Zip(vx.Skip(1)).All(p => p.Second >= p.First), "time order is kept");
    }

    [Fact]
    public void ChartLayout_WrapsTheLegend_AndKeepsThePlotInsideTheArea()
    {
        var series = Enumerable.Range(1, 40).Select(i => new DataSeries($"server-{i:00}", [0, 60_000], [i, i + 1])).ToList();
        var area = new RectF(10, 10, 400, 300);
        var g = ChartLayout.Compute(area, series, 0, 60_000, new WidgetOptions { Unit = "%" }, TimeZoneInfo.Utc, new FakeMeasurer());
        Assert.True(g.Plot.X > area.X && g.Plot.Right <= area.Right && g.Plot.Y >= area.Y && g.Plot.Bottom < area.Bottom);
        var rows = g.Legend.Select(l => l.Y).Distinct().Count();
        Assert.Equal(3, rows);
        Assert.Equal(40, g.Legend.Count + g.HiddenLegendItems);
        Assert.True(g.HiddenLegendItems > 0);
        Assert.All(g.Legend, l => Assert.True(l.Y >= area.Y && l.Y + 10 <= g.Plot.Y)); // above the plot, under the title
        Assert.Equal(0, g.YMin);
        Assert.True(g.YMax >= 41);
        Assert.All(g.YTicks, t => Assert.EndsWith("%", t.Label));
    }

    static RenderWidget Widget(string id, int y, int h) => new(id, "text", id, 0, y, 12, h, new WidgetOptions(), new TextData("x"));

    [Fact]
    public void Pagination_MovesAWidgetThatDoesNotFit_AndShrinksOneTallerThanAPage()
    {
        var g = new GridSpec(RowHeight: 80, Gap: 8, Padding: 0);
        // Page content: 500 px, i.e. 5 rows of 88 px plus a bit.
        var placed = GridLayout.Paginate([Widget("a", 0, 3), Widget("b", 3, 3), Widget("c", 6, 2), Widget("tall", 8, 9)], g, 1000, 500);
        var pages = placed.ToDictionary(p => p.Widget.Id, p => (p.Page, p.Rect));
        Assert.Equal(0, pages["a"].Page);
        Assert.Equal(1, pages["b"].Page); // rows 3-5 would end at 520 > 500
        Assert.Equal(1, pages["c"].Page);
        Assert.Equal(2, pages["tall"].Page);
        Assert.Equal(0, pages["b"].Rect.Y);
        Assert.All(placed, p => Assert.True(p.Rect.Bottom <= 500 && p.Rect.Y >= 0, $"{p.Widget.Id} is cut"));
    }
}
