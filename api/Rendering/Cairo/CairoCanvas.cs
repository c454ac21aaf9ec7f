using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Exports.Rendering.Cairo;

/// <summary><see cref="ICanvas"/> over a cairo context; text is laid out by Pango (fontconfig fallback, so any
/// script the installed Noto fonts cover renders).</summary>
public sealed unsafe class CairoCanvas : ICanvas, IDisposable
{
    readonly nint _cr;
    readonly nint _layout;
    readonly bool _shared;
    readonly Dictionary<(double, bool), nint> _fonts;
    const string Family = "Noto Sans,DejaVu Sans,Sans";

    // One Pango context, layout and set of font descriptions per thread, reused by every synchronous render on it:
    // a fresh context per render made Pango resolve and load every font again, which cost more than the drawing.
    [ThreadStatic] static nint t_context, t_layout;
    [ThreadStatic] static Dictionary<(double, bool), nint>? t_fonts;

    /// <param name="shared">Reuse the thread's Pango context: only for a canvas used start to finish on one thread.</param>
    internal CairoCanvas(nint cr, bool shared = true)
    {
        _cr = cr;
        Vector = Native.cairo_surface_get_type(Native.cairo_get_target(cr)) == Native.SurfaceTypePdf;
        _shared = shared;
        if (shared)
        {
            if (t_context == 0)
            {
                t_context = Native.pango_cairo_create_context(cr);
                t_layout = Native.pango_layout_new(t_context);
                t_fonts = [];
            }
            else
            {
                Native.pango_cairo_update_context(cr, t_context);
                Native.pango_layout_context_changed(t_layout);
            }
            _layout = t_layout;
            _fonts = t_fonts!;
        }
        else
        {
            _layout = Native.pango_cairo_create_layout(cr);
            _fonts = [];
        }
        // Bevel joins and butt caps: at chart line widths they look the same as round ones and stroke faster.
        Native.cairo_set_line_join(cr, 2);
        Native.cairo_set_line_cap(cr, 0);
    }

    public bool Vector { get; }

    void Source(Rgba c) => Native.cairo_set_source_rgba(_cr, c.R, c.G, c.B, c.A);

    public void FillRect(RectF r, Rgba color)
    {
        Source(color);
        Native.cairo_rectangle(_cr, r.X, r.Y, r.W, r.H);
        Native.cairo_fill(_cr);
    }

    public void StrokeRect(RectF r, Rgba color, double width)
    {
        Source(color);
        Native.cairo_set_line_width(_cr, width);
        Native.cairo_rectangle(_cr, r.X + width / 2, r.Y + width / 2, r.W - width, r.H - width);
        Native.cairo_stroke(_cr);
    }

    public void Line(double x1, double y1, double x2, double y2, Rgba color, double width, double[]? dash = null)
    {
        Source(color);
        Native.cairo_set_line_width(_cr, width);
        if (dash is { Length: > 0 }) fixed (double* d = dash) Native.cairo_set_dash(_cr, d, dash.Length, 0);
        Native.cairo_move_to(_cr, x1, y1);
        Native.cairo_line_to(_cr, x2, y2);
        Native.cairo_stroke(_cr);
        if (dash is { Length: > 0 }) Native.cairo_set_dash(_cr, null, 0, 0);
    }

    public void Polyline(ReadOnlySpan<double> xs, ReadOnlySpan<double> ys, Rgba color, double width)
    {
        if (xs.Length == 0) return;
        Source(color);
        Native.cairo_set_line_width(_cr, width);
        // Cairo's FAST antialiasing samples fewer sub-scanlines: a dense chart strokes about three times faster and
        // looks the same at chart line widths. Vector surfaces ignore it.
        Native.cairo_set_antialias(_cr, Native.AntialiasFast);
        Native.cairo_move_to(_cr, xs[0], ys[0]);
        if (xs.Length == 1) Native.cairo_line_to(_cr, xs[0] + 0.5, ys[0]);
        // Stroked in runs of 128 segments: cairo's stroker slows down sharply on one long, self-crossing path, and
        // the seams between runs are invisible at chart line widths.
        for (var i = 1; i < xs.Length; i++)
        {
            Native.cairo_line_to(_cr, xs[i], ys[i]);
            if (i % 128 == 0 && i < xs.Length - 1)
            {
                Native.cairo_stroke(_cr);
                Native.cairo_move_to(_cr, xs[i], ys[i]);
            }
        }
        Native.cairo_stroke(_cr);
        Native.cairo_set_antialias(_cr, Native.AntialiasDefault);
    }

    public void FillPolygon(ReadOnlySpan<double> xs, ReadOnlySpan<double> ys, Rgba color)
    {
        if (xs.Length < 3) return;
        Source(color);
        Native.cairo_move_to(_cr, xs[0], ys[0]);
        for (var i = 1; i < xs.Length; i++) Native.cairo_line_to(_cr, xs[i], ys[i]);
        Native.cairo_close_path(_cr);
        Native.cairo_fill(_cr);
    }

    public void Arc(double cx, double cy, double radius, double from, double to, Rgba color, double width)
    {
        Source(color);
        Native.cairo_set_line_width(_cr, width);
        Native.cairo_new_path(_cr);
        Native.cairo_arc(_cr, cx, cy, radius, from, to);
        Native.cairo_stroke(_cr);
    }

    public void FillCircle(double cx, double cy, double radius, Rgba color)
    {
        Source(color);
        Native.cairo_new_path(_cr);
        Native.cairo_arc(_cr, cx, cy, radius, 0, 2 * Math.PI);
        Native.cairo_fill(_cr);
    }

    nint Font(double size, bool bold)
    {
        if (_fonts.TryGetValue((size, bold), out var f)) return f;
        f = Native.pango_font_description_from_string(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Family} {(bold ? "Bold " : "")}{size:0.##}px"));
        _fonts[(size, bold)] = f;
        return f;
    }

    string? _preparedText;
    TextStyle _preparedStyle;
    bool _preparedMarkup;
    readonly Dictionary<(string, TextStyle), (double, double)> _measured = [];

    void Prepare(string text, TextStyle s, bool markup = false)
    {
        // Shaping is the expensive part of text: a Measure followed by a Text of the same string reuses the layout.
        if (s == _preparedStyle && text == _preparedText && markup == _preparedMarkup) return;
        _preparedText = text;
        _preparedStyle = s;
        _preparedMarkup = markup;
        Native.pango_layout_set_font_description(_layout, Font(s.Size, s.Bold));
        Native.pango_layout_set_width(_layout, s.Width is { } w ? (int)(Math.Max(1, w) * Native.PangoScale) : -1);
        Native.pango_layout_set_wrap(_layout, Native.WrapWordChar);
        Native.pango_layout_set_height(_layout, s.Width is null ? -1 : -Math.Max(1, s.MaxLines));
        Native.pango_layout_set_ellipsize(_layout, s.Width is null ? Native.EllipsizeNone : Native.EllipsizeEnd);
        Native.pango_layout_set_alignment(_layout, (int)s.Align);
        var bytes = Encoding.UTF8.GetBytes(text);
        fixed (byte* p = bytes)
        {
            if (markup) Native.pango_layout_set_markup(_layout, p, bytes.Length);
            else
            {
                Native.pango_layout_set_attributes(_layout, 0); // markup earlier leaves its attributes on the layout
                Native.pango_layout_set_text(_layout, p, bytes.Length);
            }
        }
    }

    public (double Width, double Height) Measure(string text, TextStyle style)
    {
        if (_measured.TryGetValue((text, style), out var size)) return size;
        Prepare(text, style);
        Native.pango_layout_get_pixel_size(_layout, out var w, out var h);
        if (_measured.Count < 4096) _measured[(text, style)] = (w, h);
        return (w, h);
    }

    public (double Width, double Height) Text(double x, double y, string text, TextStyle style) => Show(x, y, text, style, markup: false);

    public (double Width, double Height) Text(double x, double y, IReadOnlyList<TextRun> runs, TextStyle style) =>
        Show(x, y, Markup(runs), style, markup: true);

    (double Width, double Height) Show(double x, double y, string text, TextStyle style, bool markup)
    {
        Prepare(text, style, markup);
        Native.pango_layout_get_pixel_size(_layout, out var w, out var h);
        Source(style.Color);
        Native.cairo_move_to(_cr, x, y);
        Native.pango_cairo_show_layout(_cr, _layout);
        return (w, h);
    }

    /// <summary>Runs as Pango markup: every character of their text escaped, their styles as span attributes.</summary>
    internal static string Markup(IReadOnlyList<TextRun> runs)
    {
        var sb = new StringBuilder();
        foreach (var r in runs)
        {
            var text = System.Security.SecurityElement.Escape(r.Text) ?? "";
            if (r is { Color: null, Bold: false, Underline: false, Size: RunSize.Normal }) { sb.Append(text); continue; }
            sb.Append("<span");
            if (r.Color is { } c)
            {
                sb.Append(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $" foreground=\"#{(int)Math.Round(c.R * 255):x2}{(int)Math.Round(c.G * 255):x2}{(int)Math.Round(c.B * 255):x2}\""));
                if (c.A < 1) sb.Append(string.Create(System.Globalization.CultureInfo.InvariantCulture, $" fgalpha=\"{Math.Max(1, (int)Math.Round(c.A * 65535))}\""));
            }
            if (r.Bold) sb.Append(" weight=\"bold\"");
            if (r.Underline) sb.Append(" underline=\"single\"");
            if (r.Size != RunSize.Normal) sb.Append(r.Size == RunSize.Large ? " size=\"large\"" : " size=\"x-large\"");
            sb.Append('>').Append(text).Append("</span>");
        }
        return sb.ToString();
    }

    public void PushTransform(double dx, double dy, double scale)
    {
        Native.cairo_save(_cr);
        Native.cairo_translate(_cr, dx, dy);
        Native.cairo_scale(_cr, scale, scale);
    }

    public void PopTransform() => Native.cairo_restore(_cr);

    public void PushClip(RectF r)
    {
        Native.cairo_save(_cr);
        double x0 = r.X, y0 = r.Y, x1 = r.Right, y1 = r.Bottom;
        if (!Vector)
        {
            // On an image, a clip on whole pixels is a plain region; a fractional one makes cairo composite every
            // later operation through an antialiased mask, which doubled the cost of a dense chart.
            Native.cairo_user_to_device(_cr, ref x0, ref y0);
            Native.cairo_user_to_device(_cr, ref x1, ref y1);
            (x0, y0, x1, y1) = (Math.Floor(x0), Math.Floor(y0), Math.Ceiling(x1), Math.Ceiling(y1));
            Native.cairo_device_to_user(_cr, ref x0, ref y0);
            Native.cairo_device_to_user(_cr, ref x1, ref y1);
        }
        Native.cairo_rectangle(_cr, x0, y0, x1 - x0, y1 - y0);
        Native.cairo_clip(_cr);
    }

    public void PopClip() => Native.cairo_restore(_cr);

    public void Link(RectF r, string uri)
    {
        var attrs = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"rect=[{r.X:0.##} {r.Y:0.##} {r.W:0.##} {r.H:0.##}] uri='{uri.Replace("'", "%27")}'");
        Native.cairo_tag_begin(_cr, "Link", attrs);
        Native.cairo_tag_end(_cr, "Link");
    }

    public void Dispose()
    {
        if (_shared) return; // the thread keeps its context, layout and fonts for the next render
        foreach (var f in _fonts.Values) Native.pango_font_description_free(f);
        _fonts.Clear();
        Native.g_object_unref(_layout);
    }
}

/// <summary>PNG and PDF surfaces: the same drawing code on each. Output is collected through cairo's stream
/// callbacks into memory (an image is bounded by the layout's pixel limit) and handed back as bytes.</summary>
internal static unsafe class CairoSurfaces
{
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static int WriteToMemory(nint closure, byte* data, uint length)
    {
        var target = (MemoryStream)GCHandle.FromIntPtr(closure).Target!;
        target.Write(new ReadOnlySpan<byte>(data, (int)length));
        return 0;
    }

    static void Check(int status, string what)
    {
        if (status != 0) throw new InvalidOperationException($"cairo {what}: {Marshal.PtrToStringUTF8(Native.cairo_status_to_string(status))}");
    }

    /// <summary>Draws into a width × height image at the given scale and encodes it as PNG.</summary>
    public static byte[] Png(int width, int height, double scale, Action<ICanvas> draw) =>
        PngParts(width, height, scale, draw, []);

    static void DrawOn(nint surface, double scale, double dx, double dy, Action<ICanvas> draw)
    {
        var cr = Native.cairo_create(surface);
        try
        {
            Native.cairo_scale(cr, scale, scale);
            Native.cairo_translate(cr, dx, dy);
            using (var canvas = new CairoCanvas(cr)) draw(canvas);
            Check(Native.cairo_status(cr), "drawing");
        }
        finally { Native.cairo_destroy(cr); }
    }

    /// <summary>
    /// A PNG whose parts are drawn in parallel, each on its own surface, then painted onto the page: widgets are
    /// independent, and on a dashboard of dense charts the stroking dominates. The page's background is drawn
    /// alongside them; parts are started heaviest first (by <c>Weight</c>) and handed out one at a time, so two
    /// dense charts do not end up queued on one core. Parts start on whole pixels, so their pixels are the page's.
    /// </summary>
    public static byte[] PngParts(int width, int height, double scale, Action<ICanvas> background, IReadOnlyList<(RectF Rect, double Weight, Action<ICanvas> Draw)> parts)
    {
        var pw = (int)Math.Ceiling(width * scale);
        var ph = (int)Math.Ceiling(height * scale);
        var page = Native.cairo_image_surface_create(Native.FormatArgb32, pw, ph);
        var surfaces = new nint[parts.Count];
        try
        {
            Check(Native.cairo_surface_status(page), "image surface");
            var order = Enumerable.Range(0, parts.Count).OrderByDescending(i => parts[i].Weight).Prepend(-1).ToList();
            Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(order, System.Collections.Concurrent.EnumerablePartitionerOptions.NoBuffering),
                new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
            {
                if (i < 0) { DrawOn(page, scale, 0, 0, background); return; }
                var (r, _, draw) = parts[i];
                var s = Native.cairo_image_surface_create(Native.FormatArgb32, Math.Max(1, (int)Math.Ceiling(r.W * scale) + 1), Math.Max(1, (int)Math.Ceiling(r.H * scale) + 1));
                surfaces[i] = s;
                Check(Native.cairo_surface_status(s), "part surface");
                DrawOn(s, scale, -Math.Floor(r.X), -Math.Floor(r.Y), draw);
            });
            var cr = Native.cairo_create(page);
            try
            {
                Native.cairo_scale(cr, scale, scale);
                for (var i = 0; i < parts.Count; i++)
                {
                    Native.cairo_surface_set_device_scale(surfaces[i], scale, scale);
                    Native.cairo_set_source_surface(cr, surfaces[i], Math.Floor(parts[i].Rect.X), Math.Floor(parts[i].Rect.Y));
                    Native.cairo_paint(cr);
                }
                Check(Native.cairo_status(cr), "composing");
            }
            finally { Native.cairo_destroy(cr); }
            Native.cairo_surface_flush(page);
            var data = (byte*)Native.cairo_image_surface_get_data(page);
            var stride = Native.cairo_image_surface_get_stride(page);
            return PngEncoder.Encode(new ReadOnlySpan<byte>(data, stride * ph), pw, ph, stride);
        }
        finally
        {
            foreach (var s in surfaces) if (s != 0) Native.cairo_surface_destroy(s);
            Native.cairo_surface_destroy(page);
        }
    }

    /// <summary>A PDF of <paramref name="pages"/> pages of the given size in points; <paramref name="draw"/> draws
    /// page i and returns its bookmarks (title, y on the page).</summary>
    public static byte[] Pdf(double width, double height, int pages, DocumentInfo meta,
        Func<ICanvas, int, IReadOnlyList<(string Title, double Y)>> draw)
    {
        var ms = new MemoryStream();
        var handle = GCHandle.Alloc(ms);
        var surface = Native.cairo_pdf_surface_create_for_stream(&WriteToMemory, GCHandle.ToIntPtr(handle), width, height);
        try
        {
            Check(Native.cairo_surface_status(surface), "PDF surface");
            Native.cairo_pdf_surface_set_metadata(surface, Native.PdfTitle, meta.Title);
            Native.cairo_pdf_surface_set_metadata(surface, Native.PdfAuthor, meta.Author);
            Native.cairo_pdf_surface_set_metadata(surface, Native.PdfSubject, meta.Subject);
            Native.cairo_pdf_surface_set_metadata(surface, Native.PdfCreator, "Exports");
            Native.cairo_pdf_surface_set_metadata(surface, Native.PdfCreateDate, meta.Created.ToString("yyyy-MM-dd'T'HH:mm:ssK", System.Globalization.CultureInfo.InvariantCulture));
            var cr = Native.cairo_create(surface);
            try
            {
                using var canvas = new CairoCanvas(cr);
                for (var page = 0; page < pages; page++)
                {
                    foreach (var (title, y) in draw(canvas, page))
                        Native.cairo_pdf_surface_add_outline(surface, 0, title,
                            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"page={page + 1} pos=[0 {y:0.##}]"), 0);
                    Native.cairo_show_page(cr);
                }
                Check(Native.cairo_status(cr), "drawing");
            }
            finally { Native.cairo_destroy(cr); }
            Native.cairo_surface_finish(surface);
            Check(Native.cairo_surface_status(surface), "PDF");
        }
        finally
        {
            Native.cairo_surface_destroy(surface);
            handle.Free();
        }
        return ms.ToArray();
    }

    /// <summary>Text measured as a PDF page drawn at <paramref name="scale"/> sets it: for laying pages out before
    /// drawing them.</summary>
    public static T WithPdfMeasurer<T>(double scale, Func<ITextMeasurer, T> measure)
    {
        var ms = new MemoryStream();
        var handle = GCHandle.Alloc(ms);
        var surface = Native.cairo_pdf_surface_create_for_stream(&WriteToMemory, GCHandle.ToIntPtr(handle), 100, 100);
        try
        {
            Check(Native.cairo_surface_status(surface), "PDF surface");
            var cr = Native.cairo_create(surface);
            try
            {
                Native.cairo_scale(cr, scale, scale);
                using var canvas = new CairoCanvas(cr);
                return measure(canvas);
            }
            finally { Native.cairo_destroy(cr); }
        }
        finally
        {
            Native.cairo_surface_finish(surface);
            Native.cairo_surface_destroy(surface);
            handle.Free();
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int Read(nint closure, byte* data, uint length)
    {
        var source = (Stream)GCHandle.FromIntPtr(closure).Target!;
        var span = new Span<byte>(data, (int)length);
        while (span.Length > 0)
        {
            var n = source.Read(span);
            if (n == 0) return 11; // CAIRO_STATUS_READ_ERROR
            span = span[n..];
        }
        return 0;
    }

    /// <summary>Decodes a PNG into width, height and 32-bit pixels (premultiplied ARGB, native order), for tests and
    /// checks.</summary>
    public static (int Width, int Height, uint[] Pixels) DecodePng(byte[] png)
    {
        var ms = new MemoryStream(png);
        var handle = GCHandle.Alloc(ms);
        var surface = Native.cairo_image_surface_create_from_png_stream(&Read, GCHandle.ToIntPtr(handle));
        try
        {
            Check(Native.cairo_surface_status(surface), "PNG decode");
            int w = Native.cairo_image_surface_get_width(surface), h = Native.cairo_image_surface_get_height(surface);
            var stride = Native.cairo_image_surface_get_stride(surface);
            var data = (byte*)Native.cairo_image_surface_get_data(surface);
            var pixels = new uint[w * h];
            for (var y = 0; y < h; y++) new ReadOnlySpan<uint>(data + y * stride, w).CopyTo(pixels.AsSpan(y * w, w));
            return (w, h, pixels);
        }
        finally
        {
            Native.cairo_surface_destroy(surface);
            handle.Free();
        }
    }
}

/// <summary>Cairo as the <see cref="IRenderBackend"/>.</summary>
public sealed class CairoBackend : IRenderBackend
{
    public byte[] Png(int width, int height, double scale, Action<ICanvas> draw) => CairoSurfaces.Png(width, height, scale, draw);

    public byte[] PngParts(int width, int height, double scale, Action<ICanvas> background, IReadOnlyList<(RectF Rect, double Weight, Action<ICanvas> Draw)> parts) =>
        CairoSurfaces.PngParts(width, height, scale, background, parts);

    public byte[] Pdf(double width, double height, int pages, DocumentInfo info, Func<ICanvas, int, IReadOnlyList<(string Title, double Y)>> draw) =>
        CairoSurfaces.Pdf(width, height, pages, info, draw);

    public T WithPdfMeasurer<T>(double scale, Func<ITextMeasurer, T> measure) => CairoSurfaces.WithPdfMeasurer(scale, measure);

    public IPagedDocument OpenPdf(double width, double height, DocumentInfo info) => new CairoPdfDocument(width, height, info);
}

/// <summary>A PDF drawn page by page while its bytes are collected for the caller to drain: for documents whose
/// length is not known up front (a data report streaming rows).</summary>
public sealed unsafe class CairoPdfDocument : IPagedDocument
{
    readonly MemoryStream _bytes = new();
    GCHandle _handle;
    nint _surface, _cr;
    CairoCanvas? _canvas;

    public CairoPdfDocument(double width, double height, DocumentInfo meta)
    {
        _handle = GCHandle.Alloc(_bytes);
        _surface = Native.cairo_pdf_surface_create_for_stream(&CairoSurfaces.WriteToMemory, GCHandle.ToIntPtr(_handle), width, height);
        Native.cairo_pdf_surface_set_metadata(_surface, Native.PdfTitle, meta.Title);
        Native.cairo_pdf_surface_set_metadata(_surface, Native.PdfAuthor, meta.Author);
        Native.cairo_pdf_surface_set_metadata(_surface, Native.PdfSubject, meta.Subject);
        Native.cairo_pdf_surface_set_metadata(_surface, Native.PdfCreator, "Exports");
        _cr = Native.cairo_create(_surface);
        _canvas = new CairoCanvas(_cr, shared: false); // used across awaits, possibly on several threads
    }

    public ICanvas Canvas => _canvas!;

    public void ShowPage() => Native.cairo_show_page(_cr);

    /// <summary>Bytes produced so far, handed over and forgotten.</summary>
    public ReadOnlyMemory<byte> Take()
    {
        var data = _bytes.ToArray();
        _bytes.SetLength(0);
        return data;
    }

    public int Pending => (int)_bytes.Length;

    public void Finish()
    {
        Native.cairo_show_page(_cr);
        _canvas!.Dispose();
        _canvas = null;
        Native.cairo_destroy(_cr);
        _cr = 0;
        Native.cairo_surface_finish(_surface);
        var status = Native.cairo_surface_status(_surface);
        if (status != 0) throw new InvalidOperationException($"cairo PDF: {Marshal.PtrToStringUTF8(Native.cairo_status_to_string(status))}");
    }

    public void Dispose()
    {
        _canvas?.Dispose();
        if (_cr != 0) Native.cairo_destroy(_cr);
        if (_surface != 0) Native.cairo_surface_destroy(_surface);
        _cr = _surface = 0;
        if (_handle.IsAllocated) _handle.Free();
    }
}
