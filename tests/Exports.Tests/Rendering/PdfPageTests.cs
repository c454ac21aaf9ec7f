using Exports.Rendering;
using Exports.Rendering.Cairo;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Rendering;

/// <summary>PDF pages rasterized by poppler's pdftoppm and decoded: the page is the theme's, margins included.</summary>
public sealed class PdfPageTests
{
    static List<(int W, int H, uint[] Pixels)> Rasterize(byte[] pdf)
    {
        var dir = Directory.CreateTempSubdirectory("pdf-pages-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "doc.pdf"), pdf);
            Tools.Run("pdftoppm", "-png", "-r", "50", Path.Combine(dir, "doc.pdf"), Path.Combine(dir, "page"));
            return Directory.GetFiles(dir, "page*.png").Order().Select(f => CairoSurfaces.DecodePng(File.ReadAllBytes(f))).ToList();
        }
        finally { Directory.Delete(dir, true); }
    }

    static double Luminance(uint p) => 0.2126 * ((p >> 16) & 0xff) + 0.7152 * ((p >> 8) & 0xff) + 0.0722 * (p & 0xff);

    [Theory]
    [InlineData("dark")]
    [InlineData("light")]
    public void EveryPage_IsPaintedInTheThemeBackground_AndTheTitleContrastsWithIt(string name)
    {
        var theme = name == "dark" ? Theme.Dark : Theme.Light;
        var (pdf, pages) = LayoutRenderer.Pdf(SampleDocuments.Ops(theme, extraRows: 12), "test");
        Assert.True(pages > 1);
        var rasters = Rasterize(pdf);
        Assert.Equal(pages, rasters.Count);
        var bg = (uint)((int)Math.Round(theme.Background.R * 255) << 16 | (int)Math.Round(theme.Background.G * 255) << 8 | (int)Math.Round(theme.Background.B * 255));
        foreach (var (w, h, px) in rasters)
        {
            // Corners and the middle of each margin (36 pt = 25 px at 50 dpi).
            foreach (var (x, y) in new[] { (2, 2), (w - 3, 2), (2, h - 3), (w - 3, h - 3), (12, h / 2), (w - 12, h / 2), (w / 2, 10), (w / 2, h - 10) })
                Assert.True(Luminance(px[y * w + x] & 0xFFFFFF) is var l && Math.Abs(l - Luminance(bg)) < 3, $"{name}: pixel ({x}, {y}) is {px[y * w + x] & 0xFFFFFF:x6}, not {bg:x6}");
        }
        // The title (top-left, inside the margin) has text pixels far from the background in brightness.
        var (w0, _, p0) = rasters[0];
        var contrast = 0.0;
        for (var y = 25; y < 45; y++) for (var x = 25; x < 200; x++) contrast = Math.Max(contrast, Math.Abs(Luminance(p0[y * w0 + x] & 0xFFFFFF) - Luminance(bg)));
        Assert.True(contrast > 150, $"{name}: the title's strongest contrast is {contrast:0}");
    }
}
