using Exports.Rendering;
using SkiaSharp;

namespace Exports.Bench.Skia;

/// <summary>
/// <see cref="ICanvas"/> on SkiaSharp: the bench's second backend, drawing with the same painters as Cairo. Skia has
/// no paragraph layout of its own in this package set (SkiaSharp's text layout library RichTextKit is not served), so
/// line breaking at spaces, ellipsis, alignment and styled runs are written here by hand, as the API would have to.
/// What it still does not do, and Pango does: bidi reordering (right-to-left text inside left-to-right text), shaping
/// of joined scripts (Arabic letters stay in their isolated forms), and per-character font fallback (a character the
/// one typeface lacks is drawn as its .notdef box).
/// </summary>
public sealed class SkiaCanvas : ICanvas, IDisposable
{
    static readonly SKTypeface Regular = Face(SKFontStyle.Normal);
    static readonly SKTypeface BoldFace = Face(SKFontStyle.Bold);

    static SKTypeface Face(SKFontStyle style)
    {
        foreach (var family in new[] { "Noto Sans", "DejaVu Sans" })
            if (SKTypeface.FromFamilyName(family, style) is { } t && t.FamilyName == family) return t;
        return SKTypeface.FromFamilyName(null, style);
    }

    readonly SKCanvas _c;
    readonly SKPaint _fill = new() { IsAntialias = true, Style = SKPaintStyle.Fill };
    readonly SKPaint _stroke = new() { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeJoin = SKStrokeJoin.Bevel, StrokeCap = SKStrokeCap.Butt };
    readonly Dictionary<(float, bool), SKFont> _fonts = [];
    readonly Dictionary<(string, TextStyle), (double, double)> _measured = [];

    public SkiaCanvas(SKCanvas canvas, bool vector)
    {
        _c = canvas;
        Vector = vector;
    }

    public bool Vector { get; }

    static SKColor Color(Rgba c) => new((byte)Math.Round(c.R * 255), (byte)Math.Round(c.G * 255), (byte)Math.Round(c.B * 255), (byte)Math.Round(c.A * 255));

    SKPaint Fill(Rgba c) { _fill.Color = Color(c); return _fill; }
    SKPaint Stroke(Rgba c, double width) { _stroke.Color = Color(c); _stroke.StrokeWidth = (float)width; return _stroke; }

    public void FillRect(RectF r, Rgba color) => _c.DrawRect((float)r.X, (float)r.Y, (float)r.W, (float)r.H, Fill(color));

    public void StrokeRect(RectF r, Rgba color, double width) =>
        _c.DrawRect((float)(r.X + width / 2), (float)(r.Y + width / 2), (float)(r.W - width), (float)(r.H - width), Stroke(color, width));

    public void Line(double x1, double y1, double x2, double y2, Rgba color, double width, double[]? dash = null)
    {
        var p = Stroke(color, width);
        using var effect = dash is { Length: > 0 } ? SKPathEffect.CreateDash(dash.Select(d => (float)d).ToArray(), 0) : null;
        p.PathEffect = effect;
        _c.DrawLine((float)x1, (float)y1, (float)x2, (float)y2, p);
        p.PathEffect = null;
    }

    public void Polyline(ReadOnlySpan<double> xs, ReadOnlySpan<double> ys, Rgba color, double width)
    {
        if (xs.Length == 0) return;
        var paint = Stroke(color, width);
        using var b = new SKPathBuilder();
        b.MoveTo((float)xs[0], (float)ys[0]);
        if (xs.Length == 1) b.LineTo((float)xs[0] + 0.5f, (float)ys[0]);
        // Stroked in runs of 128 segments, as the Cairo canvas does: one long self-crossing path is slower to stroke
        // in both libraries (measured here: the whole path at once made Skia's dashboard slower still).
        for (var i = 1; i < xs.Length; i++)
        {
            b.LineTo((float)xs[i], (float)ys[i]);
            if (i % 128 == 0 && i < xs.Length - 1)
            {
                using (var run = b.Detach()) _c.DrawPath(run, paint);
                b.MoveTo((float)xs[i], (float)ys[i]);
            }
        }
        using var path = b.Detach();
        _c.DrawPath(path, paint);
    }

    public void FillPolygon(ReadOnlySpan<double> xs, ReadOnlySpan<double> ys, Rgba color)
    {
        if (xs.Length < 3) return;
        using var b = new SKPathBuilder();
        b.MoveTo((float)xs[0], (float)ys[0]);
        for (var i = 1; i < xs.Length; i++) b.LineTo((float)xs[i], (float)ys[i]);
        b.Close();
        using var path = b.Detach();
        _c.DrawPath(path, Fill(color));
    }

    public void Arc(double cx, double cy, double radius, double from, double to, Rgba color, double width)
    {
        while (to < from) to += 2 * Math.PI; // cairo_arc's rule
        using var b = new SKPathBuilder();
        b.ArcTo(new SKRect((float)(cx - radius), (float)(cy - radius), (float)(cx + radius), (float)(cy + radius)),
            (float)(from * 180 / Math.PI), (float)((to - from) * 180 / Math.PI), true);
        using var path = b.Detach();
        _c.DrawPath(path, Stroke(color, width));
    }

    public void FillCircle(double cx, double cy, double radius, Rgba color) => _c.DrawCircle((float)cx, (float)cy, (float)radius, Fill(color));

    SKFont Font(double size, bool bold)
    {
        var key = ((float)size, bold);
        if (_fonts.TryGetValue(key, out var f)) return f;
        f = new SKFont(bold ? BoldFace : Regular, (float)size) { Subpixel = true, Edging = SKFontEdging.Antialias, Hinting = SKFontHinting.None };
        _fonts[key] = f;
        return f;
    }

    // ---- text: runs -> words -> greedy lines -> ellipsis; what Pango does for Cairo ----

    readonly record struct Piece(string Text, SKFont Font, Rgba Color, bool Underline);
    sealed record TextLine(List<(Piece Piece, float X, float Width)> Parts, float Width, float Ascent, float Height);

    IEnumerable<Piece> Pieces(IReadOnlyList<TextRun> runs, TextStyle s)
    {
        foreach (var r in runs)
        {
            var size = s.Size * r.Size switch { RunSize.Large => 1.2, RunSize.XLarge => 1.44, _ => 1.0 };
            yield return new Piece(r.Text, Font(size, s.Bold || r.Bold), r.Color ?? s.Color, r.Underline);
        }
    }

    List<TextLine> Layout(IEnumerable<Piece> pieces, TextStyle s)
    {
        var width = s.Width is { } w ? (float)Math.Max(1, w) : float.PositiveInfinity;
        var lines = new List<TextLine>();
        var parts = new List<(Piece, float, float)>();
        float x = 0;
        SKFont? lastFont = null;
        void EndLine()
        {
            float ascent = 0, height = 0;
            foreach (var (p, _, _) in parts) { ascent = Math.Max(ascent, -p.Font.Metrics.Ascent); height = Math.Max(height, p.Font.Spacing); }
            if (parts.Count == 0 && lastFont is not null) { ascent = -lastFont.Metrics.Ascent; height = lastFont.Spacing; }
            var trimmed = parts.Count > 0 ? parts[^1].Item2 + parts[^1].Item1.Font.MeasureText(parts[^1].Item1.Text.TrimEnd()) : 0;
            lines.Add(new TextLine([.. parts], trimmed, ascent, height));
            parts.Clear();
            x = 0;
        }
        foreach (var piece in pieces)
        {
            lastFont = piece.Font;
            var segments = piece.Text.Split('\n');
            for (var si = 0; si < segments.Length; si++)
            {
                if (si > 0) EndLine();
                foreach (var word in Words(segments[si]))
                {
                    var ww = piece.Font.MeasureText(word);
                    var visible = piece.Font.MeasureText(word.TrimEnd());
                    if (x > 0 && x + visible > width) EndLine();
                    var rest = word;
                    while (x == 0 && piece.Font.MeasureText(rest.TrimEnd()) > width && rest.Length > 1)
                    {
                        // A word longer than the line breaks between characters (Pango's WORD_CHAR).
                        var n = Math.Max(1, (int)piece.Font.BreakText(rest, width));
                        parts.Add((piece with { Text = rest[..n] }, 0, piece.Font.MeasureText(rest[..n])));
                        EndLine();
                        rest = rest[n..];
                    }
                    if (rest.Length == 0) continue;
                    ww = piece.Font.MeasureText(rest);
                    parts.Add((piece with { Text = rest }, x, ww));
                    x += ww;
                }
            }
        }
        if (parts.Count > 0 || lines.Count == 0) EndLine();
        if (s.Width is not null && lines.Count > Math.Max(1, s.MaxLines))
        {
            var max = Math.Max(1, s.MaxLines);
            var last = lines[max - 1];
            lines.RemoveRange(max, lines.Count - max);
            lines[max - 1] = Ellipsize(last, width);
        }
        else if (s.Width is not null && lines.Count == 1 && lines[0].Width > width) lines[0] = Ellipsize(lines[0], width);
        return lines;
    }

    static IEnumerable<string> Words(string text)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
            if (text[i] == ' ' && (i + 1 == text.Length || text[i + 1] != ' ')) { yield return text[start..(i + 1)]; start = i + 1; }
        if (start < text.Length) yield return text[start..];
    }

    /// <summary>Cuts the line's end until it and "…" fit.</summary>
    static TextLine Ellipsize(TextLine line, float width)
    {
        var parts = line.Parts.ToList();
        while (parts.Count > 0)
        {
            var (p, x, _) = parts[^1];
            var text = p.Text.TrimEnd();
            while (text.Length > 0 && x + p.Font.MeasureText(text + "…") > width) text = text[..^1];
            if (text.Length > 0 || parts.Count == 1)
            {
                var t = text + "…";
                var w = p.Font.MeasureText(t);
                parts[^1] = (p with { Text = t }, x, w);
                return line with { Parts = parts, Width = x + w };
            }
            parts.RemoveAt(parts.Count - 1);
        }
        return line;
    }

    (double Width, double Height) Draw(double x, double y, List<TextLine> lines, TextStyle s, bool draw)
    {
        float top = (float)y, maxW = 0;
        foreach (var line in lines)
        {
            var dx = s.Width is { } w ? s.Align switch { TextAlign.Right => (float)w - line.Width, TextAlign.Center => ((float)w - line.Width) / 2, _ => 0 } : 0;
            if (draw)
                foreach (var (p, px, pw) in line.Parts)
                {
                    var paint = Fill(p.Color);
                    _c.DrawText(p.Text, (float)x + dx + px, top + line.Ascent, SKTextAlign.Left, p.Font, paint);
                    if (p.Underline) _c.DrawRect((float)x + dx + px, top + line.Ascent + 1.5f, pw, Math.Max(1, p.Font.Size / 14), paint);
                }
            maxW = Math.Max(maxW, line.Width);
            top += line.Height;
        }
        return (Math.Ceiling(maxW), Math.Ceiling(top - y));
    }

    public (double Width, double Height) Measure(string text, TextStyle style)
    {
        if (_measured.TryGetValue((text, style), out var size)) return size;
        size = Draw(0, 0, Layout([new Piece(text, Font(style.Size, style.Bold), style.Color, false)], style), style, draw: false);
        if (_measured.Count < 4096) _measured[(text, style)] = size;
        return size;
    }

    public (double Width, double Height) Text(double x, double y, string text, TextStyle style) =>
        Draw(x, y, Layout([new Piece(text, Font(style.Size, style.Bold), style.Color, false)], style), style, draw: true);

    public (double Width, double Height) Text(double x, double y, IReadOnlyList<TextRun> runs, TextStyle style) =>
        Draw(x, y, Layout(Pieces(runs, style), style), style, draw: true);

    public void PushTransform(double dx, double dy, double scale)
    {
        _c.Save();
        _c.Translate((float)dx, (float)dy);
        _c.Scale((float)scale);
    }

    public void PopTransform() => _c.Restore();

    public void PushClip(RectF r)
    {
        _c.Save();
        _c.ClipRect(new SKRect((float)r.X, (float)r.Y, (float)r.Right, (float)r.Bottom), antialias: Vector);
    }

    public void PopClip() => _c.Restore();

    public void Link(RectF r, string uri) => _c.DrawUrlAnnotation(new SKRect((float)r.X, (float)r.Y, (float)r.Right, (float)r.Bottom), uri);

    public void Dispose()
    {
        _fill.Dispose();
        _stroke.Dispose();
        foreach (var f in _fonts.Values) f.Dispose();
    }
}

/// <summary>Which PNG encoder the Skia backend ends with.</summary>
public enum SkiaPng { Ours, SkiaDefault, SkiaFastest }

/// <summary>SkiaSharp as the <see cref="IRenderBackend"/>: PNG (parts drawn in parallel as Cairo's are, encoded by our
/// PNG encoder or by Skia's own) and PDF through <c>SKDocument</c> (no bookmarks: SkiaSharp has no outline API).</summary>
public sealed class SkiaBackend(SkiaPng encoder = SkiaPng.Ours) : IRenderBackend
{
    public byte[] Png(int width, int height, double scale, Action<ICanvas> draw) => PngParts(width, height, scale, draw, []);

    static void DrawOn(SKCanvas canvas, double scale, double dx, double dy, Action<ICanvas> draw)
    {
        canvas.Scale((float)scale);
        canvas.Translate((float)dx, (float)dy);
        using var c = new SkiaCanvas(canvas, vector: false);
        draw(c);
    }

    public byte[] PngParts(int width, int height, double scale, Action<ICanvas> background, IReadOnlyList<(RectF Rect, double Weight, Action<ICanvas> Draw)> parts)
    {
        var pw = (int)Math.Ceiling(width * scale);
        var ph = (int)Math.Ceiling(height * scale);
        var info = new SKImageInfo(pw, ph, SKColorType.Bgra8888, SKAlphaType.Premul);
        using var page = SKSurface.Create(info) ?? throw new InvalidOperationException("Skia: no raster surface");
        var images = new SKImage?[parts.Count];
        try
        {
            var order = Enumerable.Range(0, parts.Count).OrderByDescending(i => parts[i].Weight).Prepend(-1).ToList();
            Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(order, System.Collections.Concurrent.EnumerablePartitionerOptions.NoBuffering),
                new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
            {
                if (i < 0) { DrawOn(page.Canvas, scale, 0, 0, background); return; }
                var (r, _, draw) = parts[i];
                using var s = SKSurface.Create(new SKImageInfo(Math.Max(1, (int)Math.Ceiling(r.W * scale) + 1), Math.Max(1, (int)Math.Ceiling(r.H * scale) + 1), SKColorType.Bgra8888, SKAlphaType.Premul));
                DrawOn(s.Canvas, scale, -Math.Floor(r.X), -Math.Floor(r.Y), draw);
                images[i] = s.Snapshot();
            });
            var c = page.Canvas;
            c.ResetMatrix();
            for (var i = 0; i < parts.Count; i++)
                c.DrawImage(images[i]!, (float)(Math.Floor(parts[i].Rect.X) * scale), (float)(Math.Floor(parts[i].Rect.Y) * scale), SKSamplingOptions.Default, null);
            c.Flush();
            using var pixmap = page.PeekPixels()!;
            if (encoder != SkiaPng.Ours)
            {
                // Skia's encoder (libpng's zlib): its default (all filters, level 6), or as ours (Sub filter, level 1).
                using var data = encoder == SkiaPng.SkiaDefault
                    ? pixmap.Encode(SKEncodedImageFormat.Png, 100)
                    : pixmap.Encode(new SKPngEncoderOptions(SKPngEncoderFilterFlags.Sub, 1));
                return data.ToArray();
            }
            unsafe
            {
                return Exports.Rendering.Cairo.PngEncoder.Encode(new ReadOnlySpan<byte>((void*)pixmap.GetPixels(), pixmap.RowBytes * ph), pw, ph, pixmap.RowBytes);
            }
        }
        finally
        {
            foreach (var i in images) i?.Dispose();
        }
    }

    public byte[] Pdf(double width, double height, int pages, DocumentInfo info, Func<ICanvas, int, IReadOnlyList<(string Title, double Y)>> draw)
    {
        var ms = new MemoryStream();
        var meta = new SKDocumentPdfMetadata
        {
            Title = info.Title, Author = info.Author, Subject = info.Subject, Creator = "Exports", Producer = "Exports (Skia bench)",
            Creation = info.Created.UtcDateTime, Modified = info.Created.UtcDateTime,
        };
        using (var managed = new SKManagedWStream(ms))
        using (var doc = SKDocument.CreatePdf(managed, meta))
        {
            for (var page = 0; page < pages; page++)
            {
                var canvas = doc.BeginPage((float)width, (float)height);
                using (var c = new SkiaCanvas(canvas, vector: true)) draw(c, page); // bookmarks: nowhere to put them
                doc.EndPage();
            }
            doc.Close();
        }
        return ms.ToArray();
    }

    public T WithPdfMeasurer<T>(double scale, Func<ITextMeasurer, T> measure)
    {
        using var recorder = new SKPictureRecorder();
        var canvas = recorder.BeginRecording(new SKRect(0, 0, 100, 100));
        using var c = new SkiaCanvas(canvas, vector: true);
        return measure(c);
    }

    public IPagedDocument OpenPdf(double width, double height, DocumentInfo info) =>
        throw new NotSupportedException("The Skia bench backend draws whole documents only.");
}
