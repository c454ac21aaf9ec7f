namespace Exports.Layouts;

/// <summary>Bounds on what one layout may ask for and on what its answer says (EXPORTS_LAYOUT_MAX_WIDGETS,
/// EXPORTS_LAYOUT_MAX_ERRORS, EXPORTS_WIDGETS_HEADER_BYTES, EXPORTS_PDF_TABLE_ROWS).</summary>
public sealed record LayoutLimits
{
    /// <summary>Widgets in one layout; checked before any per-widget or pairwise check.</summary>
    public int MaxWidgets { get; init; } = 60;
    /// <summary>Field errors listed in one answer; the rest are counted and summarised.</summary>
    public int MaxErrors { get; init; } = 50;
    /// <summary>Size of the Export-Widgets response header (ASCII JSON).</summary>
    public int WidgetsHeaderBytes { get; init; } = 4096;
    /// <summary>Rows a table widget shows in a PDF, continued across pages; past it the table ends "+N more rows".</summary>
    public int PdfTableRows { get; init; } = 2000;
}
