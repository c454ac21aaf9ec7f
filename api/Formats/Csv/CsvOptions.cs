using System.Text.Json;
using Exports.Shared;

namespace Exports.Formats.Csv;

public sealed record CsvOptions
{
    public char Delimiter { get; init; } = ',';
    /// <summary>"on", "off" or "custom" (then <see cref="Headers"/> names every column).</summary>
    public string Header { get; init; } = "on";
    public IReadOnlyList<string>? Headers { get; init; }
    /// <summary>"minimal", "all" or "none".</summary>
    public string Quote { get; init; } = "minimal";
    /// <summary>"double" ("" inside quotes) or "backslash" (\" inside quotes).</summary>
    public string Escape { get; init; } = "double";
    public string LineTerminator { get; init; } = "\n";
    /// <summary>"utf-8", "utf-8-bom", "utf-16" or "ascii".</summary>
    public string Encoding { get; init; } = "utf-8";
    public bool FormulaGuard { get; init; } = true;
    public ValueFormat Values { get; init; } = new();

    public static CsvOptions Parse(JsonElement? options, bool tsv, Errors errors)
    {
        var o = new CsvOptions { Delimiter = tsv ? '\t' : ',', Values = ValueFormat.Parse(options, errors) };
        if (options is not { ValueKind: JsonValueKind.Object } el) return o;
        string? Str(string name)
        {
            if (!el.TryGetProperty(name, out var v)) return null;
            if (v.ValueKind == JsonValueKind.String) return v.GetString();
            errors.Add($"formatOptions.{name}", "Expected a string."); return null;
        }
        if (Str("delimiter") is { } d)
        {
            if (d is "," or ";" or "\t" or "|" || d == "tab") o = o with { Delimiter = d == "tab" ? '\t' : d[0] };
            else errors.Add("formatOptions.delimiter", "delimiter must be ',', ';', tab or '|'.");
        }
        if (Str("header") is { } h)
        {
            if (h is "on" or "off" or "custom") o = o with { Header = h };
            else errors.Add("formatOptions.header", "header must be on, off or custom.");
        }
        if (el.TryGetProperty("headers", out var hs))
        {
            if (hs.ValueKind == JsonValueKind.Array && hs.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String))
                o = o with { Headers = hs.EnumerateArray().Select(x => x.GetString()!).ToList() };
            else errors.Add("formatOptions.headers", "headers must be an array of strings.");
        }
        if (o.Header == "custom" && o.Headers is null) errors.Add("formatOptions.headers", "header 'custom' needs a headers array.");
        if (o.Header != "custom" && o.Headers is not null) errors.Add("formatOptions.headers", "headers is only used with header 'custom'.");
        if (Str("quote") is { } q)
        {
            if (q is "minimal" or "all" or "none") o = o with { Quote = q };
            else errors.Add("formatOptions.quote", "quote must be minimal, all or none.");
        }
        if (Str("escape") is { } e)
        {
            if (e is "double" or "backslash") o = o with { Escape = e };
            else errors.Add("formatOptions.escape", "escape must be double or backslash.");
        }
        if (Str("lineTerminator") is { } lt)
        {
            if (lt is "\n" or "\r\n" || lt is "lf" or "crlf") o = o with { LineTerminator = lt is "crlf" or "\r\n" ? "\r\n" : "\n" };
            else errors.Add("formatOptions.lineTerminator", "lineTerminator must be \\n or \\r\\n.");
        }
        if (Str("encoding") is { } enc)
        {
            if (enc is "utf-8" or "utf-8-bom" or "utf-16" or "ascii") o = o with { Encoding = enc };
            else errors.Add("formatOptions.encoding", "encoding must be utf-8, utf-8-bom, utf-16 or ascii.");
        }
        if (el.TryGetProperty("formulaGuard", out var fg))
        {
            if (fg.ValueKind is JsonValueKind.True or JsonValueKind.False) o = o with { FormulaGuard = fg.GetBoolean() };
            else errors.Add("formatOptions.formulaGuard", "formulaGuard must be true or false.");
        }
        if (o.Values.DecimalSeparator[0] == o.Delimiter && o.Quote == "none")
            errors.Add("formatOptions.decimalSeparator", "The decimal separator equals the delimiter and quoting is off: numbers would split into two fields.");
        if (o.Values.ThousandsSeparator.Length > 0 && o.Values.ThousandsSeparator[0] == o.Delimiter && o.Quote == "none")
            errors.Add("formatOptions.thousandsSeparator", "The thousands separator equals the delimiter and quoting is off.");
        return o;
    }

    public void Validate(ExportSchema schema, Errors errors)
    {
        if (Header == "custom" && Headers is { } h && h.Count != schema.Columns.Count)
            errors.Add("formatOptions.headers", $"headers names {h.Count} columns; the export has {schema.Columns.Count} ({string.Join(", ", schema.Columns.Select(c => c.Name))}).");
    }
}
