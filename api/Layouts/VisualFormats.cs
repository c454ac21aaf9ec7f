namespace Exports.Layouts;

/// <summary>What a visual export is drawn as: PNG or PDF. Checked ignoring case, because a route's extension matches
/// either case (<c>export.PNG</c>, as ASP.NET Core's regex constraints ignore case); one rule for every slice.</summary>
public static class VisualFormats
{
    public const string Message = "format is png or pdf.";

    public static bool IsValid(string? format) =>
        string.Equals(format, "png", StringComparison.OrdinalIgnoreCase) || string.Equals(format, "pdf", StringComparison.OrdinalIgnoreCase);
}
