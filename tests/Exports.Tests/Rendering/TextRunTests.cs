using Exports.Rendering;
using Exports.Rendering.Cairo;

namespace Exports.Tests.Rendering;

/// <summary>Styled text reaches the canvas as runs, never as a backend's markup: painters turn markdown into runs,
/// and only the Cairo backend turns runs into Pango markup, escaping every character of the user's text.</summary>
public sealed class TextRunTests
{
    [Fact]
    public void Markdown_BecomesRuns_HeadingsBulletsBoldAndLinks()
    {
        var t = Theme.Light;
        var runs = WidgetPainter.MarkdownToRuns("# Title\n- **Ops** see [runbook](https://x.example/a?b=1&c=2) now\nplain <b>not markup</b>\n\n", t);
        Assert.Equal(
        [
            new TextRun("Title", Size: RunSize.XLarge, Bold: true),
            TextRun.LineBreak,
            new TextRun("  • "),
            new TextRun("Ops", Bold: true),
            new TextRun(" see "),
            new TextRun("runbook", t.Palette[0], Underline: true),
            new TextRun(" now"),
            TextRun.LineBreak,
            new TextRun("plain <b>not markup</b>"),
        ], runs);
    }

    [Fact]
    public void Markdown_BoldAroundALink_KeepsBothStyles()
    {
        var runs = WidgetPainter.MarkdownToRuns("## **see [docs](u) here**", Theme.Dark);
        Assert.Equal(
        [
            new TextRun("see ", Bold: true, Size: RunSize.Large),
            new TextRun("docs", Theme.Dark.Palette[0], Bold: true, Underline: true, Size: RunSize.Large),
            new TextRun(" here", Bold: true, Size: RunSize.Large),
        ], runs);
    }

    [Fact]
    public void CairoMarkup_EscapesUserText_AndWritesEachStyleAsASpanAttribute()
    {
        var markup = CairoCanvas.Markup(
        [
            new TextRun("a<b>&\"'"),
            new TextRun("■", new Rgba(1, 0.5, 0, 0.5)),
            new TextRun("H", Bold: true, Underline: true, Size: RunSize.XLarge),
        ]);
        Assert.Equal("a&lt;b&gt;&amp;&quot;&apos;<span foreground=\"#ff8000\" fgalpha=\"32768\">■</span>"
            + "<span weight=\"bold\" underline=\"single\" size=\"x-large\">H</span>", markup);
    }

    [Fact]
    public void RunsWithMarkupCharacters_DrawTheSameAsPlainText()
    {
        // Pango refuses invalid markup and draws nothing: escaped runs must draw exactly what plain text draws.
        var style = new TextStyle(14, Rgba.Hex("#000000"));
        const string text = "1 < 2 & <i>x</i>";
        var plain = RenderBackend.Current.Png(200, 30, 1, c => { c.FillRect(new RectF(0, 0, 200, 30), Rgba.Hex("#ffffff")); c.Text(2, 2, text, style); });
        var runs = RenderBackend.Current.Png(200, 30, 1, c => { c.FillRect(new RectF(0, 0, 200, 30), Rgba.Hex("#ffffff")); c.Text(2, 2, [new TextRun(text)], style); });
        Assert.Equal(CairoSurfaces.DecodePng(plain).Pixels, CairoSurfaces.DecodePng(runs).Pixels);
        Assert.Contains(CairoSurfaces.DecodePng(plain).Pixels, p => p != 0xFFFFFFFF); // something was drawn
    }

    [Fact]
    public void PushTransform_MovesAndScalesUntilPopped()
    {
        var png = RenderBackend.Current.Png(40, 40, 1, c =>
        {
            c.FillRect(new RectF(0, 0, 40, 40), Rgba.Hex("#ffffff"));
            c.PushTransform(10, 20, 2);
            c.FillRect(new RectF(0, 0, 5, 5), Rgba.Hex("#ff0000")); // covers (10..20, 20..30)
            c.PopTransform();
            c.FillRect(new RectF(0, 0, 2, 2), Rgba.Hex("#0000ff")); // back at the origin, unscaled
        });
        var (w, _, px) = CairoSurfaces.DecodePng(png);
        uint At(int x, int y) => px[y * w + x];
        Assert.Equal(0xFFFF0000, At(10, 20));
        Assert.Equal(0xFFFF0000, At(19, 29));
        Assert.Equal(0xFFFFFFFF, At(20, 30));
        Assert.Equal(0xFFFFFFFF, At(9, 20));
        Assert.Equal(0xFF0000FF, At(1, 1));
        Assert.Equal(0xFFFFFFFF, At(2, 2));
    }
}
