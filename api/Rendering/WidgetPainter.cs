using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Exports.Rendering.Charts;

namespace Exports.Rendering;

/// <summary>Draws one widget into its rectangle: the panel and title, then the body by type. Never a silent blank:
/// no data and failed queries say so inside the panel.</summary>
public static partial class WidgetPainter
{
    const double TitleFont = 13, Pad = 10;
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void Draw(ICanvas c, RenderWidget w, RectF r, Theme t, TimeZoneInfo zone)
    {
        c.FillRect(r, t.Panel);
        c.StrokeRect(r, t.Border, 1);
        var titleH = 0.0;
        if (w.Title.Length > 0)
            titleH = c.Text(r.X + Pad, r.Y + 7, w.Title, new TextStyle(TitleFont, t.Text, Bold: true, Width: r.W - 2 * Pad)).Height + 6;
        var body = new RectF(r.X + Pad, r.Y + 7 + titleH, r.W - 2 * Pad, r.H - 7 - titleH - Pad);
        if (body.W < 4 || body.H < 4) return;
        c.PushClip(new RectF(r.X, r.Y, r.W, r.H));
        try
        {
            switch (w.Data)
            {
                case ErrorData e: Message(c, body, "Query failed: " + e.Message, Rgba.Hex("#d44a3a")); return;
                case TextData text: Text(c, body, text.Markdown, t); return;
                case TableSlice slice: TableSlice(c, slice, body, t); return;
            }
            if (w.Status == "no-data") { Message(c, body, "No data for this range", t.Muted); return; }
            switch (w.Type)
            {
                case "line": case "area": case "bar": Chart(c, w, body, t, zone); break;
                case "stat": Stat(c, w, body, t); break;
                case "gauge": Gauge(c, w, body, t); break;
                case "table": Table(c, (TableData)w.Data, body, t); break;
            }
        }
        finally { c.PopClip(); }
    }

    static void Message(ICanvas c, RectF body, string text, Rgba color)
    {
        var style = new TextStyle(13, color, Align: TextAlign.Center, Width: body.W, MaxLines: 4);
        var h = c.Measure(text, style).Height;
        c.Text(body.X, body.Y + (body.H - h) / 2, text, style);
    }

    /// <summary>Text is drawn in reading order (title, legend, marker labels, y axis, x axis), so a PDF's text reads
    /// in that order; shapes go in between.</summary>
    static void Chart(ICanvas c, RenderWidget w, RectF body, Theme t, TimeZoneInfo zone)
    {
        var data = (SeriesData)w.Data;
        var bars = w.Type == "bar";
        var stacked = w.Options.Stacked && (bars || w.Type == "area");
        var g = ChartLayout.Compute(body, data.Series, data.FromMs, data.ToMs, w.Options, zone, c, stacked, bars);
        var axis = new TextStyle(ChartLayout.AxisFont, t.Muted);
        var legendStyle = new TextStyle(ChartLayout.LegendFont, t.Text);
        foreach (var row in g.Legend.GroupBy(item => item.Y))
        {
            var runs = new List<TextRun>();
            foreach (var item in row)
            {
                if (runs.Count > 0) runs.Add(new TextRun(ChartLayout.Gap));
                runs.Add(new TextRun(ChartLayout.SwatchGlyph.TrimEnd(), t.SeriesColor(item.SeriesIndex, w.Options)));
                runs.Add(new TextRun(" " + item.Name));
            }
            if (row.Key == g.Legend[^1].Y && g.HiddenLegendItems > 0)
            {
                runs.Add(new TextRun(ChartLayout.Gap));
                runs.Add(new TextRun($"+{g.HiddenLegendItems} more", t.Muted));
            }
            c.Text(row.First().X, row.Key, runs, legendStyle);
        }
        foreach (var tick in g.YTicks) c.Line(g.Plot.X, g.Y(tick.Position), g.Plot.Right, g.Y(tick.Position), t.Grid, 1);
        var xLabels = new List<(double Left, string Label)>();
        var lastRight = double.NegativeInfinity;
        foreach (var tick in g.XTicks)
        {
            var x = g.X(tick.Position);
            var size = c.Measure(tick.Label, axis);
            var left = Math.Max(body.X, Math.Min(x - size.Width / 2, body.Right - size.Width));
            if (left < lastRight + 8) continue;
            c.Line(x, g.Plot.Y, x, g.Plot.Bottom, t.Grid, 1);
            xLabels.Add((left, tick.Label));
            lastRight = left + size.Width;
        }
        c.PushClip(g.Plot with { Y = g.Plot.Y - 2, H = g.Plot.H + 4 });
        if (bars) Bars(c, w, data, g, t, stacked);
        else Lines(c, w, data, g, t, stacked);
        foreach (var th in w.Options.Thresholds)
            c.Line(g.Plot.X, g.Y(th.Value), g.Plot.Right, g.Y(th.Value), th.Color, 1.2, [5, 4]);
        c.PopClip();
        c.Line(g.Plot.X, g.Plot.Bottom, g.Plot.Right, g.Plot.Bottom, t.Border, 1);
        foreach (var m in w.Options.Markers)
        {
            if (m.Ms < g.XMin || m.Ms > g.XMax) continue;
            var x = g.X(m.Ms);
            c.Line(x, g.Plot.Y, x, g.Plot.Bottom, m.Color, 1.5, [6, 3]);
            if (m.Label.Length == 0) continue;
            var ls = Fit(c, m.Label, new TextStyle(10, m.Color, Bold: true), g.Plot.W / 2);
            var lw = c.Measure(m.Label, ls).Width;
            // Right of the line, or left of it when it is near the plot's right edge.
            var lx = x + 4 + lw <= g.Plot.Right ? x + 4 : x - 4 - lw;
            c.FillRect(new RectF(lx - 2, g.Plot.Y, lw + 4, c.Measure(m.Label, ls).Height), t.Panel.WithAlpha(0.85));
            c.Text(lx, g.Plot.Y, m.Label, ls);
        }
        foreach (var tick in g.YTicks)
        {
            var size = c.Measure(tick.Label, axis);
            c.Text(g.Plot.X - 6 - size.Width, g.Y(tick.Position) - size.Height / 2, tick.Label, axis);
        }
        foreach (var (left, label) in xLabels) c.Text(left, g.Plot.Bottom + 4, label, axis);
    }

    static void Lines(ICanvas c, RenderWidget w, SeriesData data, ChartGeometry g, Theme t, bool stacked)
    {
        // Vector output keeps the min and max of each 2 px column: half the columns and half the points per column
        // of the image, still finer than the page's line widths, and the PDF carries a quarter of the path data.
        var columns = (int)Math.Max(1, c.Vector ? g.Plot.W / 2 : g.Plot.W);
        var baseline = stacked ? new Dictionary<double, double>() : null;
        for (var si = 0; si < data.Series.Count; si++)
        {
            var s = data.Series[si];
            var (xs, ys) = Downsample.MinMax(s.X, s.Y, g.XMin, g.XMax, columns, extremesOnly: c.Vector);
            var color = t.SeriesColor(si, w.Options);
            var px = new List<double>(xs.Length);
            var py = new List<double>(ys.Length);
            var bottoms = new List<double>(ys.Length);
            void Flush()
            {
                if (px.Count == 0) return;
                if (w.Type == "area")
                {
                    var fx = new double[px.Count * 2];
                    var fy = new double[px.Count * 2];
                    for (var i = 0; i < px.Count; i++) { fx[i] = px[i]; fy[i] = py[i]; fx[^(i + 1)] = px[i]; fy[^(i + 1)] = bottoms[i]; }
                    c.FillPolygon(fx, fy, color.WithAlpha(0.22));
                }
                c.Polyline(px.ToArray(), py.ToArray(), color, 1.5);
                px.Clear(); py.Clear(); bottoms.Clear();
            }
            for (var i = 0; i < xs.Length; i++)
            {
                var v = ys[i];
                if (double.IsNaN(v))
                {
                    if (w.Options.Nulls == "connect") continue;
                    if (w.Options.Nulls == "zero") v = 0;
                    else { Flush(); continue; }
                }
                var b = baseline?.GetValueOrDefault(xs[i]) ?? 0;
                if (baseline is not null) baseline[xs[i]] = b + v;
                px.Add(g.X(xs[i]));
                py.Add(g.Y(b + v));
                bottoms.Add(g.Y(stacked ? b : Math.Max(g.YMin, Math.Min(0, g.YMax))));
            }
            Flush();
        }
    }

    /// <summary>Each bar covers its bucket's time span [start, next start) on the ticks' scale, clipped to the range;
    /// grouped bars split the span, stacked bars share it. Raw points span the data's usual step.</summary>
    static void Bars(ICanvas c, RenderWidget w, SeriesData data, ChartGeometry g, Theme t, bool stacked)
    {
        var buckets = data.Series.SelectMany(s => s.X).Distinct().Order().ToArray();
        if (buckets.Length == 0) return;
        var step = UsualStep(buckets);
        double End(double x) => data.Bucket?.Next(x) ?? x + step;
        var n = data.Series.Count;
        var baseline = new Dictionary<double, double>();
        for (var si = 0; si < n; si++)
        {
            var s = data.Series[si];
            var color = t.SeriesColor(si, w.Options);
            for (var i = 0; i < s.X.Length; i++)
            {
                if (double.IsNaN(s.Y[i])) continue;
                var from = Math.Max(s.X[i], g.XMin);
                var to = Math.Min(End(s.X[i]), g.XMax);
                if (!(to > from)) continue;
                double x0 = g.X(from), x1 = g.X(to), y0, y1;
                if (stacked) { y0 = baseline.GetValueOrDefault(s.X[i]); y1 = y0 + s.Y[i]; baseline[s.X[i]] = y1; }
                else { var bw = (x1 - x0) / n; x0 += si * bw; x1 = x0 + bw; y0 = 0; y1 = s.Y[i]; }
                var top = g.Y(Math.Max(y0, y1));
                var bottom = g.Y(Math.Min(y0, y1));
                // Half a pixel of gap on each side keeps neighbours apart without moving either edge.
                var gap = x1 - x0 >= 3 ? 0.5 : 0;
                c.FillRect(new RectF(x0 + gap, top, Math.Max(0.5, x1 - x0 - 2 * gap), Math.Max(0.5, bottom - top)), color);
            }
        }
    }

    static double UsualStep(double[] sorted)
    {
        if (sorted.Length < 2) return 60_000;
        var steps = new double[sorted.Length - 1];
        for (var i = 1; i < sorted.Length; i++) steps[i - 1] = sorted[i] - sorted[i - 1];
        Array.Sort(steps);
        return steps[steps.Length / 2];
    }

    /// <summary>Whole numbers (counts) without decimals, others with one below 100.</summary>
    static int DefaultDecimals(double v) => v == Math.Round(v) || Math.Abs(v) >= 100 ? 0 : 1;

    static Rgba ThresholdColor(WidgetOptions o, double v, Rgba fallback)
    {
        var color = fallback;
        foreach (var th in o.Thresholds.OrderBy(x => x.Value)) if (v >= th.Value) color = th.Color;
        return color;
    }

    /// <summary>The style at most <paramref name="style"/>'s size whose text fits <paramref name="width"/>: a number is
    /// shrunk, never ellipsized.</summary>
    static TextStyle Fit(ITextMeasurer c, string text, TextStyle style, double width, double minSize = 6)
    {
        style = style with { Width = null, MaxLines = 1 };
        var w = c.Measure(text, style).Width;
        for (var i = 0; i < 4 && w > width && style.Size > minSize; i++)
        {
            style = style with { Size = Math.Max(minSize, Math.Floor(style.Size * width / w * 10) / 10) };
            w = c.Measure(text, style).Width;
        }
        return style;
    }

    static void Stat(ICanvas c, RenderWidget w, RectF body, Theme t)
    {
        var data = (SeriesData)w.Data;
        if (StatReducer.Reduce(data, w.Options) is not { } stat) return;
        var value = stat.Value;
        var color = ThresholdColor(w.Options, value, t.Text);
        var valueText = NiceScale.Format(value, 0.01, w.Options.Decimals ?? DefaultDecimals(value), w.Options.Unit);
        var style = Fit(c, valueText, new TextStyle(Math.Clamp(body.H * 0.38, 14, 64), color, Bold: true), body.W);
        var y = body.Y + c.Text(body.X, body.Y, valueText, style).Height;
        var small = Fit(c, stat.Method, new TextStyle(10, t.Muted), body.W);
        y += c.Text(body.X, y, stat.Method, small).Height + 2;
        if (stat.First is { } first && first != 0 && double.IsFinite(first))
        {
            var delta = (value - first) / Math.Abs(first) * 100;
            var deltaText = (delta >= 0 ? "▲ " : "▼ ") + Math.Abs(delta).ToString("0.#", Inv) + "% over the range";
            y += c.Text(body.X, y, deltaText, new TextStyle(11, delta >= 0 ? Rgba.Hex("#56a64b") : Rgba.Hex("#e02f44"), Width: body.W)).Height;
        }
        // Sparkline in the bottom third below the text: the one series drawn (all series combined, or the only one).
        var s = data.Series.FirstOrDefault(x => x.Y.Any(v => !double.IsNaN(v)));
        var sparkTop = Math.Max(y + 2, body.Bottom - body.H * 0.33);
        var spark = new RectF(body.X, sparkTop, body.W, body.Bottom - sparkTop);
        if (s is null || spark.H < 8 || (data.Stat is null && data.Series.Count > 1)) return;
        var (dx, dy) = Downsample.MinMax(s.X, s.Y, data.FromMs, data.ToMs, (int)spark.W);
        var valid = dy.Where(v => !double.IsNaN(v)).ToArray();
        if (valid.Length < 2) return;
        double lo = valid.Min(), hi = valid.Max();
        var px = new List<double>(); var py = new List<double>();
        for (var i = 0; i < dx.Length; i++)
        {
            if (double.IsNaN(dy[i])) continue;
            px.Add(spark.X + (dx[i] - data.FromMs) / Math.Max(1, data.ToMs - data.FromMs) * spark.W);
            py.Add(spark.Bottom - (hi > lo ? (dy[i] - lo) / (hi - lo) : 0.5) * spark.H);
        }
        c.Polyline(px.ToArray(), py.ToArray(), color.WithAlpha(0.7), 1.2);
    }

    static void Gauge(ICanvas c, RenderWidget w, RectF body, Theme t)
    {
        if (StatReducer.Reduce((SeriesData)w.Data, w.Options) is not { } stat) return;
        var value = stat.Value;
        double min = w.Options.Min ?? 0, max = w.Options.Max ?? 100;
        var small = new TextStyle(10, t.Muted);
        var labelH = c.Measure("0", small).Height;
        var method = Fit(c, stat.Method, small with { Size = 9 }, body.W, 7);
        var ms = c.Measure(stat.Method, method);
        // The arc runs from 135° to 405°: it reaches r above the centre and 0.71 r below, plus half its width (0.11 r);
        // the min and max labels sit under its two ends, the method on a line below them.
        var radius = Math.Min(body.W / 2 - 8, (body.H - 6 - labelH - ms.Height) / 1.93);
        if (radius < 8) return;
        double cx = body.X + body.W / 2, cy = body.Y + radius * 1.11 + 2;
        const double start = Math.PI * 0.75, sweep = Math.PI * 1.5;
        var frac = Math.Clamp((value - min) / Math.Max(1e-9, max - min), 0, 1);
        c.Arc(cx, cy, radius, start, start + sweep, t.Grid, radius * 0.22);
        var color = ThresholdColor(w.Options, value, t.Palette[0]);
        if (frac > 0) c.Arc(cx, cy, radius, start, start + sweep * frac, color, radius * 0.22);
        var text = NiceScale.Format(value, 0.01, w.Options.Decimals ?? DefaultDecimals(value), w.Options.Unit);
        var style = Fit(c, text, new TextStyle(Math.Clamp(radius * 0.4, 10, 40), t.Text, Bold: true), radius * 1.6);
        var size = c.Measure(text, style);
        c.Text(cx - size.Width / 2, cy - size.Height / 2, text, style);
        var end = radius * 0.707;
        var below = cy + end + radius * 0.11 + 1;
        var minText = NiceScale.Format(min, 1, w.Options.Decimals, null);
        var maxText = NiceScale.Format(max, 1, w.Options.Decimals, null);
        c.Text(cx - end - c.Measure(minText, small).Width / 2, below, minText, small);
        c.Text(cx + end - c.Measure(maxText, small).Width / 2, below, maxText, small);
        c.Text(cx - ms.Width / 2, below + labelH + 1, stat.Method, method);
    }

    static readonly TextStyle TableFont = new(11, default);

    /// <summary>One table row (and the header row): a line of the table font plus padding.</summary>
    public static double TableRowHeight(ITextMeasurer m) => m.Measure("Ag", TableFont).Height + 6;

    /// <summary>The panel height that shows <paramref name="lines"/> table lines (header, rows, "+N more") under the title.</summary>
    public static double TablePanelHeight(ITextMeasurer m, string title, double width, int lines)
    {
        var titleH = title.Length > 0 ? m.Measure(title, new TextStyle(TitleFont, default, Bold: true, Width: width - 2 * Pad)).Height + 6 : 0;
        return 7 + titleH + lines * TableRowHeight(m) + Pad + 1;
    }

    /// <summary>An image's table: the rows that fit the panel, then "+N more rows" for the rest.</summary>
    static void Table(ICanvas c, TableData d, RectF body, Theme t)
    {
        var rowH = TableRowHeight(c);
        var fit = Math.Max(0, (int)((body.H - rowH) / rowH));
        var shown = (int)Math.Min(d.Rows.Count, d.TotalRows > fit ? Math.Max(0, fit - 1) : fit);
        var y = TableRows(c, d, body, t, 0, shown, rowH);
        if (d.TotalRows > shown) c.Text(body.X + 6, y + 3, d.More(shown), TableFont with { Color = t.Muted });
    }

    /// <summary>A PDF page's part of a table continued across pages: its rows under a repeated header; the last part
    /// says how many rows the query had past the ones fetched.</summary>
    static void TableSlice(ICanvas c, TableSlice s, RectF body, Theme t)
    {
        var y = TableRows(c, s.Table, body, t, s.First, s.Count, s.RowHeight);
        if (s.Last && s.Table.TotalRows > s.Table.Rows.Count)
            c.Text(body.X + 6, y + 3, s.Table.More(s.Table.Rows.Count), TableFont with { Color = t.Muted });
    }

    /// <summary>The header and rows [first, first + count); columns share the panel's width in proportion to their
    /// widest text (of the first 200 rows, so every part of a continued table has the same columns).</summary>
    static double TableRows(ICanvas c, TableData d, RectF body, Theme t, int first, int count, double rowH)
    {
        var font = TableFont with { Color = t.Text };
        var cols = d.Columns.Count;
        var widths = new double[cols];
        for (var j = 0; j < cols; j++)
        {
            widths[j] = c.Measure(d.Columns[j], font with { Bold = true }).Width;
            foreach (var row in d.Rows.Take(200)) widths[j] = Math.Max(widths[j], c.Measure(row[j], font).Width);
            widths[j] += 12;
        }
        var total = widths.Sum();
        if (total > 0) for (var j = 0; j < cols; j++) widths[j] *= body.W / total;
        double x = body.X, y = body.Y;
        c.FillRect(new RectF(body.X, y, body.W, rowH), t.Grid);
        for (var j = 0; j < cols; j++)
        {
            c.Text(x + 6, y + 3, d.Columns[j], font with { Bold = true, Width = widths[j] - 8, Align = d.Numeric[j] ? TextAlign.Right : TextAlign.Left });
            x += widths[j];
        }
        y += rowH;
        for (var i = first; i < first + count; i++, y += rowH)
        {
            if (i % 2 == 1) c.FillRect(new RectF(body.X, y, body.W, rowH), t.Grid.WithAlpha(0.5));
            x = body.X;
            for (var j = 0; j < cols; j++)
            {
                c.Text(x + 6, y + 3, d.Rows[i][j], font with { Width = widths[j] - 8, Align = d.Numeric[j] ? TextAlign.Right : TextAlign.Left });
                x += widths[j];
            }
        }
        return y;
    }

    static void Text(ICanvas c, RectF body, string markdown, Theme t) =>
        c.Text(body.X, body.Y, MarkdownToRuns(markdown, t), new TextStyle(12, t.Text, Width: body.W, MaxLines: Math.Max(1, (int)(body.H / 16))));

    [GeneratedRegex(@"\*\*(.+?)\*\*")] private static partial Regex Bold();
    [GeneratedRegex(@"\[([^\]]+)\]\(([^)\s]+)\)")] private static partial Regex MdLink();

    /// <summary>Short markdown (headings, bold, lists, links) as styled runs: "# " and "## " headings, "- " and "* "
    /// bullets, **bold** and [links](url) (drawn in the theme's first colour, underlined). Everything else is the
    /// user's text, drawn as typed.</summary>
    public static List<TextRun> MarkdownToRuns(string md, Theme t)
    {
        var runs = new List<TextRun>();
        var lines = md.Replace("\r", "").Split('\n').ToList();
        while (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        for (var i = 0; i < lines.Count; i++)
        {
            if (i > 0) runs.Add(TextRun.LineBreak);
            var line = lines[i];
            var (size, heading) = (RunSize.Normal, false);
            if (line.StartsWith("## ", StringComparison.Ordinal)) (size, heading, line) = (RunSize.Large, true, line[3..]);
            else if (line.StartsWith("# ", StringComparison.Ordinal)) (size, heading, line) = (RunSize.XLarge, true, line[2..]);
            else if (line.StartsWith("- ", StringComparison.Ordinal) || line.StartsWith("* ", StringComparison.Ordinal))
            {
                runs.Add(new TextRun("  • "));
                line = line[2..];
            }
            var at = 0;
            foreach (Match b in Bold().Matches(line))
            {
                Inline(line[at..b.Index], heading);
                Inline(b.Groups[1].Value, true);
                at = b.Index + b.Length;
            }
            Inline(line[at..], heading);

            void Inline(string text, bool bold)
            {
                var from = 0;
                foreach (Match l in MdLink().Matches(text))
                {
                    if (l.Index > from) runs.Add(new TextRun(text[from..l.Index], Bold: bold, Size: size));
                    runs.Add(new TextRun(l.Groups[1].Value, t.Palette[0], bold, Underline: true, size));
                    from = l.Index + l.Length;
                }
                if (from < text.Length) runs.Add(new TextRun(text[from..], Bold: bold, Size: size));
            }
        }
        return runs;
    }
}
