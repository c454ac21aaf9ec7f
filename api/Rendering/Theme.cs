namespace Exports.Rendering;

public sealed record Theme(string Name, Rgba Background, Rgba Panel, Rgba Border, Rgba Text, Rgba Muted, Rgba Grid, IReadOnlyList<Rgba> Palette)
{
    static readonly string[] Colors = ["#3274d9", "#56a64b", "#e0752d", "#a352cc", "#f2cc0c", "#2ec4b6", "#e02f44", "#8f6f4a", "#ff7eb6", "#6e7781"];

    public static readonly Theme Light = new("light", Rgba.Hex("#f4f5f7"), Rgba.Hex("#ffffff"), Rgba.Hex("#d8dde3"),
        Rgba.Hex("#1b1f24"), Rgba.Hex("#5f6b7a"), Rgba.Hex("#e9edf1"), Colors.Select(Rgba.Hex).ToList());

    public static readonly Theme Dark = new("dark", Rgba.Hex("#111217"), Rgba.Hex("#181b1f"), Rgba.Hex("#2c3038"),
        Rgba.Hex("#e6e9ee"), Rgba.Hex("#9aa4b2"), Rgba.Hex("#262a31"), Colors.Select(Rgba.Hex).ToList());

    public Rgba SeriesColor(int i, WidgetOptions o) =>
        o.Colors is { Count: > 0 } c ? c[i % c.Count] : Palette[i % Palette.Count];
}
