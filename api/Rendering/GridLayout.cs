namespace Exports.Rendering;

/// <summary>Pure placement: widget rectangles from grid units, and the split of a layout into PDF pages where no
/// widget is ever cut: a widget that does not fit the rest of a page starts the next one; a widget taller than a
/// whole page is scaled down to fit one.</summary>
public static class GridLayout
{
    public const double HeaderHeight = 58;

    public static RectF Place(RenderWidget w, GridSpec g, double width, double top)
    {
        var col = (width - 2 * g.Padding - (g.Columns - 1) * g.Gap) / g.Columns;
        return new RectF(g.Padding + w.X * (col + g.Gap), top + w.Y * (g.RowHeight + g.Gap),
            w.W * col + (w.W - 1) * g.Gap, w.H * g.RowHeight + (w.H - 1) * g.Gap);
    }

    public static double ContentHeight(IReadOnlyList<RenderWidget> widgets, GridSpec g) =>
        widgets.Count == 0 ? g.RowHeight : widgets.Max(w => w.Y + w.H) * (g.RowHeight + g.Gap) - g.Gap;

    public sealed record Placed(RenderWidget Widget, int Page, RectF Rect);

    /// <summary>Places widgets on pages of <paramref name="pageHeight"/> logical pixels of content each. With a
    /// <paramref name="tables"/> measurer (PDF), a table widget grows to hold all its rows (what is below it moves
    /// down) and continues across pages with its header repeated, instead of being shrunk.</summary>
    public static List<Placed> Paginate(IReadOnlyList<RenderWidget> widgets, GridSpec g, double width, double pageHeight, ITextMeasurer? tables = null)
    {
        if (tables is not null) widgets = GrowTables(widgets, g, width, tables);
        var result = new List<Placed>();
        var page = 0;
        var pageTop = 0.0; // grid y (pixels) where the current page starts
        var tops = new List<(int Page, double Top)> { (0, 0) }; // pages whose top is a grid position
        foreach (var w in widgets.OrderBy(w => w.Y).ThenBy(w => w.X))
        {
            var r = Place(w, g, width, 0);
            if (r.Y < pageTop)
            {
                // Beside a table that continued onto later pages: on the page where its row started.
                var (p0, top0) = tops.Last(t => t.Top <= r.Y);
                var l0 = r with { Y = r.Y - top0 };
                result.Add(new Placed(w, p0, l0.Bottom > pageHeight ? l0 with { H = Math.Max(10, pageHeight - l0.Y) } : l0));
                continue;
            }
            var table = tables is not null && w.Data is TableData { Rows.Count: > 0 } td ? td : null;
            var minimum = table is null ? r.H : Math.Min(r.H, WidgetPainter.TablePanelHeight(tables!, w.Title, r.W, 1 + Math.Min(3, table.Rows.Count)));
            if (r.Y - pageTop + minimum > pageHeight && r.Y > pageTop)
            {
                page++;
                pageTop = r.Y;
                tops.Add((page, pageTop));
            }
            var local = r with { Y = r.Y - pageTop };
            if (local.Bottom <= pageHeight) { result.Add(new Placed(w, page, local)); continue; }
            if (table is null)
            {
                // Taller than a page on its own: shrink it to fit rather than cut it.
                result.Add(new Placed(w, page, local with { H = Math.Max(10, pageHeight - local.Y) }));
                continue;
            }
            var bottom = Continue(w, table, local, page, pageHeight, tables!, result);
            page = result[^1].Page;
            pageTop = r.Bottom - bottom; // what follows the table in the grid follows its last part
            tops.Add((page, pageTop));
        }
        return result;
    }

    /// <summary>Places a table's parts from <paramref name="local"/> on: each holds the rows that fit the rest of its
    /// page under the title and a repeated header; the last also holds the "+N more rows" line when rows were left
    /// unfetched. Returns the last part's bottom.</summary>
    static double Continue(RenderWidget w, TableData table, RectF local, int page, double pageHeight, ITextMeasurer m, List<Placed> result)
    {
        var rowH = WidgetPainter.TableRowHeight(m);
        var more = table.TotalRows > table.Rows.Count ? 1 : 0;
        int first = 0, left = table.Rows.Count;
        var y = local.Y;
        while (true)
        {
            var title = first == 0 ? w.Title : $"{w.Title} (continued)";
            var fixedH = WidgetPainter.TablePanelHeight(m, title, local.W, 1);
            var fit = (int)Math.Floor((pageHeight - y - fixedH) / rowH);
            var last = fit >= left + more;
            if (!last && fit < 1 && y <= 0)
            {
                // Not one row fits even a fresh page (a tiny custom page): one part, cut to the page, ends the table.
                result.Add(new Placed(w with { Title = title, Data = new TableSlice(table, first, left, true, rowH) }, page, local with { Y = y, H = Math.Max(10, pageHeight - y) }));
                return pageHeight;
            }
            var k = last ? left : Math.Max(1, Math.Min(fit, left - 1));
            if (!last && k >= left) { last = true; k = left; } // the rows fit, the "+N more rows" line alone does not
            var h = fixedH + (k + (last ? more : 0)) * rowH;
            result.Add(new Placed(w with { Title = title, Data = new TableSlice(table, first, k, last, rowH) }, page, local with { Y = y, H = h }));
            if (last) return y + h;
            first += k;
            left -= k;
            page++;
            y = 0;
        }
    }

    /// <summary>Each table as tall as its rows need (in whole grid rows); widgets wholly below it move down as much.</summary>
    static IReadOnlyList<RenderWidget> GrowTables(IReadOnlyList<RenderWidget> widgets, GridSpec g, double width, ITextMeasurer m)
    {
        var list = widgets.ToList();
        foreach (var id in list.Where(w => w.Data is TableData).OrderBy(w => w.Y).Select(w => w.Id).ToList())
        {
            var i = list.FindIndex(w => w.Id == id);
            var w = list[i];
            var t = (TableData)w.Data;
            var r = Place(w, g, width, 0);
            var need = WidgetPainter.TablePanelHeight(m, w.Title, r.W, 1 + t.Rows.Count + (t.TotalRows > t.Rows.Count ? 1 : 0));
            if (need <= r.H) continue;
            var extra = (int)Math.Ceiling((need - r.H) / (g.RowHeight + g.Gap));
            var below = w.Y + w.H;
            list = list.Select(x => x.Id == id ? x with { H = x.H + extra } : x.Y >= below ? x with { Y = x.Y + extra } : x).ToList();
        }
        return list;
    }
}

/// <summary>A PDF page's part of a table that continues across pages: rows [First, First + Count) of
/// <see cref="Table"/> drawn <see cref="RowHeight"/> apart; the last part ends with "+N more rows" if rows were left.</summary>
public sealed record TableSlice(TableData Table, int First, int Count, bool Last, double RowHeight) : WidgetData;

/// <summary>Draws a <see cref="RenderDocument"/> as PNG or as a vector PDF with the same painters.</summary>
public static class LayoutRenderer
{
    public const int MaxPixels = 40_000_000;

    static void Header(ICanvas c, RenderDocument d, double width, double x, double y)
    {
        c.Text(x, y, d.Title, new TextStyle(20, d.Theme.Text, Bold: true, Width: width));
        c.Text(x, y + 30, d.Subtitle, new TextStyle(12, d.Theme.Muted, Width: width));
    }

    public static (int Width, int Height) PngSize(RenderDocument d) =>
        (d.ViewportWidth, (int)Math.Ceiling(GridLayout.HeaderHeight + GridLayout.ContentHeight(d.Widgets, d.Grid) + d.Grid.Padding * 2));

    public static byte[] Png(RenderDocument d) => Png(d, RenderBackend.Current);

    /// <summary>The PNG drawn through another backend (the bench's SkiaSharp one).</summary>
    public static byte[] Png(RenderDocument d, IRenderBackend backend)
    {
        var (w, h) = PngSize(d);
        var top = d.Grid.Padding + GridLayout.HeaderHeight;
        var parts = d.Widgets.Select(widget =>
        {
            var r = GridLayout.Place(widget, d.Grid, w, top);
            return (r, DrawingWeight(widget), (Action<ICanvas>)(c => WidgetPainter.Draw(c, widget, r, d.Theme, d.Zone)));
        }).ToList();
        return backend.PngParts(w, h, d.Scale, c =>
        {
            c.FillRect(new RectF(0, 0, w, h), d.Theme.Background);
            Header(c, d, w - 2 * d.Grid.Padding, d.Grid.Padding, d.Grid.Padding);
        }, parts);
    }

    /// <summary>Roughly how long a widget takes to draw: its points and table cells, plus a constant for text.</summary>
    static double DrawingWeight(RenderWidget w) => 100 + w.Data switch
    {
        SeriesData s => s.Series.Sum(x => (double)x.X.Length),
        TableData t => t.Rows.Count * (double)t.Columns.Count,
        _ => 0,
    };

    /// <summary>Logical pixels per PDF point: text drawn at 12 px reads as about 8.6 pt.</summary>
    public const double PdfPixelsPerPoint = 1.4;

    public static (byte[] Pdf, int Pages) Pdf(RenderDocument d, string author) => Pdf(d, author, RenderBackend.Current);

    /// <summary>The PDF drawn through another backend (the bench's SkiaSharp one).</summary>
    public static (byte[] Pdf, int Pages) Pdf(RenderDocument d, string author, IRenderBackend backend)
    {
        var p = d.Page;
        var s = 1 / PdfPixelsPerPoint;
        var contentW = (p.Width - 2 * p.Margin) * PdfPixelsPerPoint;
        var headerH = p.Header ? GridLayout.HeaderHeight : 0;
        var footerH = p.Footer ? 24 : 0;
        var pageContentH = (p.Height - 2 * p.Margin) * PdfPixelsPerPoint - headerH - footerH;
        var gridNoPad = d.Grid with { Padding = 0 };
        var placed = backend.WithPdfMeasurer(s, m => GridLayout.Paginate(d.Widgets, gridNoPad, contentW, pageContentH, m));
        var pages = placed.Count == 0 ? 1 : placed.Max(x => x.Page) + 1;
        var meta = new DocumentInfo(d.Title, author, d.Subtitle, d.GeneratedAt);
        var pdf = backend.Pdf(p.Width, p.Height, pages, meta, (c, page) =>
        {
            var bookmarks = new List<(string, double)>();
            c.FillRect(new RectF(0, 0, p.Width, p.Height), d.Theme.Background); // the whole page, margins included
            c.PushTransform(p.Margin, p.Margin, s);
            if (p.Header) Header(c, d, contentW, 0, 0);
            foreach (var pl in placed.Where(x => x.Page == page))
            {
                var r = pl.Rect with { Y = pl.Rect.Y + headerH };
                WidgetPainter.Draw(c, pl.Widget, r, d.Theme, d.Zone);
                if (pl.Widget.Data is not TableSlice { First: > 0 })
                    bookmarks.Add((pl.Widget.Title.Length > 0 ? pl.Widget.Title : pl.Widget.Id, p.Margin + r.Y * s));
            }
            if (p.Footer)
            {
                var footer = new TextStyle(10, d.Theme.Muted, Width: contentW);
                var y = (p.Height - 2 * p.Margin) * PdfPixelsPerPoint - 16;
                c.Text(0, y, $"Generated {TimeZoneInfo.ConvertTime(d.GeneratedAt, d.Zone):yyyy-MM-dd HH:mm} ({d.Zone.Id})", footer);
                c.Text(0, y, $"Page {page + 1} of {pages}", footer with { Align = TextAlign.Right });
            }
            c.PopTransform();
            return bookmarks;
        });
        return (pdf, pages);
    }
}
