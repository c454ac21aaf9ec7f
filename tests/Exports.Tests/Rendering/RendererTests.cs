using System.Diagnostics;
using Exports.Rendering;
using Exports.Rendering.Cairo;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Rendering;

/// <summary>The renderer on known data: decoded PNG pixels and the PDF's text and outline through poppler.</summary>
public sealed class RendererTests
{
    static uint Rgb((int W, int H, uint[] Pixels) img, int x, int y) => img.Pixels[y * img.W + x] & 0xFFFFFF;

    [Fact]
    public void Png_HasThemeBackground_WhitePanels_AndEverySeriesColour()
    {
        var doc = SampleDocuments.Ops();
        var img = CairoSurfaces.DecodePng(LayoutRenderer.Png(doc));
        Assert.Equal((1600, LayoutRenderer.PngSize(doc).Height), (img.Width, img.Height));
        Assert.Equal(0xf4f5f7u, Rgb(img, 3, 3));
        var cpu = GridLayout.Place(doc.Widgets[0], doc.Grid, 1600, doc.Grid.Padding + GridLayout.HeaderHeight);
        Assert.Equal(0xffffffu, Rgb(img, (int)cpu.X + 4, (int)cpu.Bottom - 4));
        // Each of the six series colours appears inside the CPU panel.
        var found = new HashSet<uint>();
        for (var y = (int)cpu.Y; y < (int)cpu.Bottom; y++)
            for (var x = (int)cpu.X; x < (int)cpu.Right; x++)
                found.Add(Rgb(img, x, y));
        foreach (var c in Theme.Light.Palette.Take(6))
            Assert.Contains((uint)((int)Math.Round(c.R * 255) << 16 | (int)Math.Round(c.G * 255) << 8 | (int)Math.Round(c.B * 255)), found);
        var dark = CairoSurfaces.DecodePng(LayoutRenderer.Png(SampleDocuments.Ops(Theme.Dark)));
        Assert.Equal(0x111217u, Rgb(dark, 3, 3));
    }

    [Fact]
    public void Pdf_HasSelectableTextInEveryScript_BookmarksPerWidget_AndNoWidgetCut()
    {
        var (pdf, pages) = LayoutRenderer.Pdf(SampleDocuments.Ops(extraRows: 6), "Tester");
        var path = Path.Combine(Path.GetTempPath(), $"render-{Guid.NewGuid():N}.pdf");
        File.WriteAllBytes(path, pdf);
        // One bookmark per widget: an /Outlines tree whose /Count is the number of widgets.
        var raw = System.Text.Encoding.Latin1.GetString(pdf);
        Assert.Contains("/Outlines", raw);
        Assert.Matches($@"/Type /Outlines[^>]*/Count -?{SampleDocuments.Ops().Widgets.Count}\b", raw);
        try
        {
            var text = Tools.Run("pdftotext", path, "-");
            Assert.Contains("Ops overview", text);
            Assert.Contains("服务器", text);
            // poppler puts spaces between shaped Arabic glyph clusters and wraps the line in bidi marks: compare letters only.
            var letters = new string(text.Where(ch => !char.IsWhiteSpace(ch) && ch is not ('\u202b' or '\u202c' or '\u200f')).ToArray());
            Assert.Contains("مرحبابالعالم", letters);
            Assert.Contains("No data for this range", text);
            Assert.Contains("Query failed: No metric named 'latency_ms'", text);
            var info = Tools.Run("pdfinfo", path);
            Assert.Contains("Author:          Tester", info);
            Assert.Contains($"Pages:           {pages}", info);
            Assert.True(pages >= 2);
            var fonts = Tools.Run("pdffonts", path);
            Assert.All(fonts.Split('\n').Skip(2).Where(l => l.Length > 0), l => Assert.Contains(" yes ", l)); // every font embedded
            var outline = Tools.Run("pdftotext", "-f", "1", "-l", "1", path, "-");
            Assert.Contains("CPU by server", outline);
            var perPage = Enumerable.Range(1, pages).Select(p => Tools.Run("pdftotext", "-f", $"{p}", "-l", $"{p}", path, "-")).ToList();
            foreach (var w in SampleDocuments.Ops().Widgets.Where(w => w.Title.Length > 0 && w.Type != "table"))
                Assert.Equal(1, perPage.Count(t => t.Contains(w.Title))); // each widget on exactly one page: never cut in two
            // A table continues across pages instead: every row once, its header repeated.
            var layoutPages = Enumerable.Range(1, pages).Select(p => Tools.Run("pdftotext", "-layout", "-f", $"{p}", "-l", $"{p}", path, "-")).ToList();
            foreach (var row in ((TableData)SampleDocuments.Ops().Widgets.Single(w => w.Type == "table").Data).Rows)
                Assert.Equal(1, layoutPages.Sum(t => System.Text.RegularExpressions.Regex.Matches(t, $@"\b{row[0]}\s+{System.Text.RegularExpressions.Regex.Escape(row[1])}\b").Count));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void AMillionPointSeries_IsDrawnFromAtMostFourPointsPerPixelColumn()
    {
        // What keeps a dense series fast is how much is drawn, not the clock (timings live in bench/): a million
        // points reach the canvas as the first, min, max and last of each pixel column (M4), and still span the plot.
        var series = SampleDocuments.Waves(1, 1_000_000);
        var widget = new RenderWidget("big", "line", "Big", 0, 0, 12, 5, new WidgetOptions(), series);
        var canvas = new CountingCanvas();
        var rect = new RectF(0, 0, 800, 300);
        WidgetPainter.Draw(canvas, widget, rect, Theme.Light, TimeZoneInfo.Utc);
        Assert.True(canvas.PolylinePoints > 100, $"only {canvas.PolylinePoints} points drawn");
        Assert.True(canvas.PolylinePoints <= 4 * (int)rect.W, $"{canvas.PolylinePoints:N0} points drawn for {rect.W} pixel columns");
        Assert.True(canvas.MaxX - canvas.MinX > rect.W * 0.8, $"the line spans {canvas.MinX}..{canvas.MaxX} of {rect.W}");
    }

    sealed class CountingCanvas : ICanvas
    {
        public int PolylinePoints;
        public double MinX = double.MaxValue, MaxX = double.MinValue;
        public bool Vector => false;
        public (double Width, double Height) Measure(string text, TextStyle style) => (text.Length * style.Size * 0.6, style.Size * 1.2);
        public void FillRect(RectF r, Rgba color) { }
        public void StrokeRect(RectF r, Rgba color, double width) { }
        public void Line(double x1, double y1, double x2, double y2, Rgba color, double width, double[]? dash = null) { }
        public void Polyline(ReadOnlySpan<double> xs, ReadOnlySpan<double> ys, Rgba color, double width)
        {
            PolylinePoints += xs.Length;
            foreach (var x in xs) { MinX = Math.Min(MinX, x); MaxX = Math.Max(MaxX, x); }
        }
        public void FillPolygon(ReadOnlySpan<double> xs, ReadOnlySpan<double> ys, Rgba color) => PolylinePoints += xs.Length;
        public void Arc(double cx, double cy, double radius, double from, double to, Rgba color, double width) { }
        public void FillCircle(double cx, double cy, double radius, Rgba color) { }
        public (double Width, double Height) Text(double x, double y, string text, TextStyle style) => Measure(text, style);
        public (double Width, double Height) Text(double x, double y, IReadOnlyList<TextRun> runs, TextStyle style) => Measure(string.Concat(runs.Select(r => r.Text)), style);
        public void PushTransform(double dx, double dy, double scale) { }
        public void PopTransform() { }
        public void PushClip(RectF r) { }
        public void PopClip() { }
        public void Link(RectF r, string uri) { }
    }


}
