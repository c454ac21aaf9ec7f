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

    /// <summary>Places widgets on pages of <paramref name="pageHeight"/> logical pixels of content each.</summary>
    public static List<Placed> Paginate(IReadOnlyList<RenderWidget> widgets, GridSpec g, double width, double pageHeight)
    {
        var result = new List<Placed>();
        var page = 0;
        var pageTop = 0.0; // grid y (pixels) where the current page starts
        foreach (var w in widgets.OrderBy(w => w.Y).ThenBy(w => w.X))
        {
            var r = Place(w, g, width, 0);
            if (r.Bottom - pageTop > pageHeight && r.Y > pageTop)
            {
                page++;
                pageTop = r.Y;
            }
            var local = r with { Y = r.Y - pageTop };
            if (local.Bottom > pageHeight)
            {
                // Taller than a page on its own: shrink it to fit rather than cut it.
                local = local with { H = Math.Max(10, pageHeight - local.Y) };
            }
            result.Add(new Placed(w, page, local));
        }
        return result;
    }
}

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

    public static byte[] Png(RenderDocument d)
    {
        var (w, h) = PngSize(d);
        var top = d.Grid.Padding + GridLayout.HeaderHeight;
        var parts = d.Widgets.Select(widget =>
        {
            var r = GridLayout.Place(widget, d.Grid, w, top);
            return (r, DrawingWeight(widget), (Action<ICanvas>)(c => WidgetPainter.Draw(c, widget, r, d.Theme, d.Zone)));
        }).ToList();
        return Cairo.CairoSurfaces.PngParts(w, h, d.Scale, c =>
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

    public static (byte[] Pdf, int Pages) Pdf(RenderDocument d, string author)
    {
        var p = d.Page;
        var s = 1 / PdfPixelsPerPoint;
        var contentW = (p.Width - 2 * p.Margin) * PdfPixelsPerPoint;
        var headerH = p.Header ? GridLayout.HeaderHeight : 0;
        var footerH = p.Footer ? 24 : 0;
        var pageContentH = (p.Height - 2 * p.Margin) * PdfPixelsPerPoint - headerH - footerH;
        var gridNoPad = d.Grid with { Padding = 0 };
        var placed = GridLayout.Paginate(d.Widgets, gridNoPad, contentW, pageContentH);
        var pages = placed.Count == 0 ? 1 : placed.Max(x => x.Page) + 1;
        var meta = new Cairo.CairoSurfaces.PdfMeta(d.Title, author, d.Subtitle, d.GeneratedAt);
        var pdf = Cairo.CairoSurfaces.Pdf(p.Width, p.Height, pages, meta, (c, page) =>
        {
            var cairo = (Cairo.CairoCanvas)c;
            var bookmarks = new List<(string, double)>();
            Cairo.Native.cairo_save(cairo.Context);
            Cairo.Native.cairo_translate(cairo.Context, p.Margin, p.Margin);
            Cairo.Native.cairo_scale(cairo.Context, s, s);
            if (p.Header) Header(c, d, contentW, 0, 0);
            foreach (var pl in placed.Where(x => x.Page == page))
            {
                var r = pl.Rect with { Y = pl.Rect.Y + headerH };
                WidgetPainter.Draw(c, pl.Widget, r, d.Theme, d.Zone);
                bookmarks.Add((pl.Widget.Title.Length > 0 ? pl.Widget.Title : pl.Widget.Id, p.Margin + r.Y * s));
            }
            if (p.Footer)
            {
                var footer = new TextStyle(10, d.Theme.Muted, Width: contentW);
                var y = (p.Height - 2 * p.Margin) * PdfPixelsPerPoint - 16;
                c.Text(0, y, $"Generated {TimeZoneInfo.ConvertTime(d.GeneratedAt, d.Zone):yyyy-MM-dd HH:mm} ({d.Zone.Id})", footer);
                c.Text(0, y, $"Page {page + 1} of {pages}", footer with { Align = TextAlign.Right });
            }
            Cairo.Native.cairo_restore(cairo.Context);
            return bookmarks;
        });
        return (pdf, pages);
    }
}
