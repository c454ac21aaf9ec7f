using System.Text.Json;
using Exports.Shared;

namespace Exports.Formats.Pdf;

/// <summary>Options of the paginated PDF data report.</summary>
public sealed record PdfReportOptions
{
    public const int MaxRows = 50_000;
    public string? Title { get; init; }
    public string Page { get; init; } = "A4";
    public string Orientation { get; init; } = "portrait";
    public ValueFormat Values { get; init; } = new();

    public (double W, double H) Size()
    {
        var (w, h) = Page switch { "Letter" => (612.0, 792.0), "A3" => (841.89, 1190.55), "Legal" => (612.0, 1008.0), _ => (595.28, 841.89) };
        return Orientation == "landscape" ? (h, w) : (w, h);
    }

    public static PdfReportOptions Parse(JsonElement? options, Errors errors)
    {
        var o = new PdfReportOptions { Values = ValueFormat.Parse(options, errors) };
        if (options is not { ValueKind: JsonValueKind.Object } el) return o;
        foreach (var p in el.EnumerateObject())
        {
            var v = p.Value;
            switch (p.Name)
            {
                case "dateFormat" or "decimals" or "decimalSeparator" or "thousandsSeparator": break;
                case "title" when v.ValueKind == JsonValueKind.String && v.GetString()!.Length <= 200: o = o with { Title = v.GetString() }; break;
                case "page" when v.Text() is "A4" or "A3" or "Letter" or "Legal": o = o with { Page = v.Text()! }; break;
                case "orientation" when v.Text() is "portrait" or "landscape": o = o with { Orientation = v.Text()! }; break;
                case "title" or "page" or "orientation": errors.Add($"formatOptions.{p.Name}", p.Name switch
                    {
                        "title" => "title is text of at most 200 characters.",
                        "page" => "page is A4, A3, Letter or Legal.",
                        _ => "orientation is portrait or landscape.",
                    }); break;
                default: errors.Add($"formatOptions.{p.Name}", $"Unknown PDF option '{p.Name}'."); break;
            }
        }
        return o;
    }
}
