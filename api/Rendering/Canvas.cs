namespace Exports.Rendering;

public readonly record struct Rgba(double R, double G, double B, double A = 1)
{
    public static Rgba Hex(string hex)
    {
        var h = hex.TrimStart('#');
        double C(int i) => Convert.ToInt32(h.Substring(i, 2), 16) / 255.0;
        return new Rgba(C(0), C(2), C(4), h.Length >= 8 ? C(6) : 1);
    }

    public Rgba WithAlpha(double a) => this with { A = a };
}

public readonly record struct RectF(double X, double Y, double W, double H)
{
    public double Right => X + W;
    public double Bottom => Y + H;
    public RectF Inset(double d) => new(X + d, Y + d, Math.Max(0, W - 2 * d), Math.Max(0, H - 2 * d));
}

public enum TextAlign { Left, Center, Right }

/// <summary>How a piece of text is set: size in pixels (points on a PDF page), weight, colour, a width to wrap or
/// ellipsize at, and at most how many lines.</summary>
public readonly record struct TextStyle(double Size, Rgba Color, bool Bold = false, TextAlign Align = TextAlign.Left,
    double? Width = null, int MaxLines = 1);

/// <summary>A run's size relative to its paragraph's: <see cref="Large"/> is 1.2x, <see cref="XLarge"/> 1.44x (the
/// CSS and Pango scale steps).</summary>
public enum RunSize { Normal, Large, XLarge }

/// <summary>A piece of a paragraph set differently from the rest: its own colour, weight, underline or size. The text
/// is plain (a backend escapes whatever its own markup needs); "\n" breaks the line.</summary>
public readonly record struct TextRun(string Text, Rgba? Color = null, bool Bold = false, bool Underline = false, RunSize Size = RunSize.Normal)
{
    public static readonly TextRun LineBreak = new("\n");
}

/// <summary>Measures text the way the canvas will draw it. Chart layout depends only on this, so it is pure and
/// testable with a fake.</summary>
public interface ITextMeasurer
{
    (double Width, double Height) Measure(string text, TextStyle style);
}

/// <summary>The small drawing vocabulary every widget painter uses. Cairo implements it today; another backend
/// (Skia) would be one more implementation.</summary>
public interface ICanvas : ITextMeasurer
{
    /// <summary>Vector output (PDF): charts keep the min and max of dense series per 2 px instead of per pixel, which
    /// halves what the document has to carry and is still finer than the page's line widths.</summary>
    bool Vector { get; }
    void FillRect(RectF r, Rgba color);
    void StrokeRect(RectF r, Rgba color, double width);
    void Line(double x1, double y1, double x2, double y2, Rgba color, double width, double[]? dash = null);
    void Polyline(ReadOnlySpan<double> xs, ReadOnlySpan<double> ys, Rgba color, double width);
    void FillPolygon(ReadOnlySpan<double> xs, ReadOnlySpan<double> ys, Rgba color);
    void Arc(double cx, double cy, double radius, double from, double to, Rgba color, double width);
    void FillCircle(double cx, double cy, double radius, Rgba color);
    /// <summary>Draws text with its top-left at (x, y); returns its size.</summary>
    (double Width, double Height) Text(double x, double y, string text, TextStyle style);
    /// <summary>Draws a paragraph of styled runs with its top-left at (x, y), wrapped and ellipsized as
    /// <paramref name="style"/> says (which also gives the runs' defaults); returns its size.</summary>
    (double Width, double Height) Text(double x, double y, IReadOnlyList<TextRun> runs, TextStyle style);
    /// <summary>From here until <see cref="PopTransform"/>, drawing is moved by (dx, dy) and then scaled.</summary>
    void PushTransform(double dx, double dy, double scale);
    void PopTransform();
    void PushClip(RectF r);
    void PopClip();
    void Link(RectF r, string uri);
}
