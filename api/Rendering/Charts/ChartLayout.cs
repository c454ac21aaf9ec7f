namespace Exports.Rendering.Charts;

public sealed record Tick(double Position, string Label);
public sealed record LegendItem(string Name, int SeriesIndex, double X, double Y);

/// <summary>Where everything of a chart goes, computed before anything is drawn.</summary>
public sealed record ChartGeometry(
    RectF Plot, double XMin, double XMax, double YMin, double YMax, IReadOnlyList<Tick> XTicks, IReadOnlyList<Tick> YTicks,
    IReadOnlyList<LegendItem> Legend, int HiddenLegendItems, double LegendTop)
{
    public double X(double v) => Plot.X + (XMax > XMin ? (v - XMin) / (XMax - XMin) : 0.5) * Plot.W;
    public double Y(double v) => Plot.Bottom - (YMax > YMin ? (v - YMin) / (YMax - YMin) : 0.5) * Plot.H;
}

/// <summary>Pure chart layout: a legend under the title that wraps (at most three rows, then "+N more"), the plot
/// area, axes with nice ticks and time labels in the layout's zone. Measuring goes through <see cref="ITextMeasurer"/>.</summary>
public static class ChartLayout
{
    public const double AxisFont = 11, LegendFont = 11;
    /// <summary>A legend item is the series' coloured square and its name; items in a row are two spaces apart.</summary>
    public const string SwatchGlyph = "■ ", Gap = "  ";

    public static ChartGeometry Compute(RectF area, IReadOnlyList<DataSeries> series, double xMin, double xMax, WidgetOptions o,
        TimeZoneInfo zone, ITextMeasurer measure, bool stacked = false, bool bars = false)
    {
        // Y range over what is drawn (stacked bars add up), thresholds included so their lines are visible.
        double yMin = double.PositiveInfinity, yMax = double.NegativeInfinity;
        if (stacked && series.Count > 0)
        {
            var sums = new Dictionary<double, double>();
            foreach (var s in series)
                for (var i = 0; i < s.X.Length; i++)
                    if (!double.IsNaN(s.Y[i])) sums[s.X[i]] = sums.GetValueOrDefault(s.X[i]) + s.Y[i];
            foreach (var v in sums.Values) { yMin = Math.Min(yMin, v); yMax = Math.Max(yMax, v); }
        }
        else
            foreach (var s in series)
                foreach (var v in s.Y)
                    if (!double.IsNaN(v)) { if (v < yMin) yMin = v; if (v > yMax) yMax = v; }
        foreach (var t in o.Thresholds) { yMin = Math.Min(yMin, t.Value); yMax = Math.Max(yMax, t.Value); }
        if (bars || stacked) { yMin = Math.Min(0, yMin); yMax = Math.Max(0, yMax); }
        if (o.Min is { } mn) yMin = mn;
        if (o.Max is { } mx) yMax = mx;
        if (double.IsInfinity(yMin)) (yMin, yMax) = (0, 1);

        var axisStyle = new TextStyle(AxisFont, default);
        var lineHeight = measure.Measure("0:", axisStyle).Height;

        // Legend first: it takes rows at the top.
        var legend = new List<LegendItem>();
        var hidden = 0;
        var legendHeight = 0.0;
        if (o.Legend && series.Count > 1 || (o.Legend && series.Count == 1 && series[0].Name.Length > 0))
        {
            // Each row is one run of text, "■ name  ■ name" with coloured squares, so a PDF reader reads a row as one
            // line (a wider gap between items splits it into columns).
            var rows = 1;
            double rowH = lineHeight + 4;
            var y0 = 0.0;
            var style = new TextStyle(LegendFont, default);
            var row = new List<string>();
            for (var i = 0; i < series.Count; i++)
            {
                var prefix = row.Count == 0 ? "" : string.Join(Gap, row) + Gap;
                if (row.Count > 0 && area.X + measure.Measure(prefix + SwatchGlyph + series[i].Name, style).Width > area.Right)
                {
                    if (rows == 3) { hidden = series.Count - i; break; }
                    rows++;
                    y0 += rowH;
                    row.Clear();
                    prefix = "";
                }
                legend.Add(new LegendItem(series[i].Name, i, area.X + (prefix.Length == 0 ? 0 : measure.Measure(prefix, style).Width), y0));
                row.Add(SwatchGlyph + series[i].Name);
            }
            legendHeight = rows * rowH + 4;
        }

        var (lo, hi, step) = NiceScale.Ticks(yMin, yMax, Math.Max(2, (int)((area.H - legendHeight) / 40)));
        if (o.Min is not null) lo = yMin;
        if (o.Max is not null) hi = yMax;
        var yTicks = new List<Tick>();
        var labelWidth = 0.0;
        foreach (var v in NiceScale.Values(lo, hi, step))
        {
            var label = NiceScale.Format(v, step, o.Decimals, o.Unit);
            labelWidth = Math.Max(labelWidth, measure.Measure(label, axisStyle).Width);
            yTicks.Add(new Tick(v, label));
        }
        // The legend sits under the title, above the plot: text reads title, legend, then axes.
        var legendTop = area.Y;
        var plot = new RectF(area.X + labelWidth + 6, area.Y + legendHeight + lineHeight / 2, 0, 0);
        plot = plot with { W = Math.Max(10, area.Right - plot.X - 4), H = Math.Max(10, area.Bottom - lineHeight - 6 - plot.Y) };
        var xTicks = TimeScale.Ticks(xMin, xMax, plot.W, zone).Select(t => new Tick(t.Ms, t.Label)).ToList();
        return new ChartGeometry(plot, xMin, xMax, lo, hi, xTicks, yTicks,
            legend.Select(l => l with { Y = l.Y + legendTop }).ToList(), hidden, legendTop);
    }
}
