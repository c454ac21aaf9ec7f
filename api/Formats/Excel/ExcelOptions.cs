using System.Text.Json;
using Exports.Shared;

namespace Exports.Formats.Excel;

public sealed record ExcelOptions
{
    public const int SheetRowLimit = 1_048_576;
    public const int CellTextLimit = 32_767;
    public const string TruncationMarker = "…[truncated]";

    /// <summary>The text as Excel can hold it: over <see cref="CellTextLimit"/> characters it is cut and ends with
    /// <see cref="TruncationMarker"/>.</summary>
    public static string FitCell(string text, out bool cut)
    {
        cut = text.Length > CellTextLimit;
        return cut ? text[..(CellTextLimit - TruncationMarker.Length)] + TruncationMarker : text;
    }

    /// <summary>Excel's number range: a finite double outside it (beyond ±9.99999999999999E+307, or nearer zero than
    /// ±2.2250738585072014E-308) would be refused or read as another number, so such values are written as text.</summary>
    public static bool FitsExcel(double v) => v == 0 || (Math.Abs(v) >= 2.2250738585072014E-308 && Math.Abs(v) <= 9.99999999999999E+307);

    /// <summary>The date format when none was asked for and some time has a fraction of a second: Excel shows at most
    /// milliseconds, while the cell's serial value keeps the stored microseconds (to about 1 µs).</summary>
    public const string SubSecondDateFormat = "yyyy-mm-dd hh:mm:ss.000";

    public string SheetName { get; init; } = "Data";
    public string? Title { get; init; }
    public string? Author { get; init; }
    public string DateFormat { get; init; } = "yyyy-mm-dd hh:mm:ss";
    /// <summary>True when the request set dateFormat: then it is kept even for times with fractions of a second.</summary>
    public bool DateFormatGiven { get; init; }
    public string NumberFormat { get; init; } = "#,##0.00";
    public bool FreezeHeader { get; init; } = true;
    public bool AutoFilter { get; init; } = true;
    public bool AlternateRows { get; init; } = true;
    /// <summary>colorScale, threshold or none.</summary>
    public string ConditionalFormatting { get; init; } = "colorScale";
    public double? Threshold { get; init; }
    public bool Summary { get; init; } = true;
    public bool Chart { get; init; } = true;
    public bool Pivot { get; init; } = true;
    /// <summary>Data rows per sheet, the header excluded; Excel's limit is 1,048,576 rows including it.</summary>
    public int RowsPerSheet { get; init; } = SheetRowLimit - 1;
    public byte[]? Template { get; init; }
    public string? TemplateSheet { get; init; }

    static readonly char[] BadSheetChars = ['[', ']', ':', '*', '?', '/', '\\'];
    static readonly string[] BuiltInSheets = ["Summary", "Pivot", "Chart", XlsxPivotTable.SheetName, "About"];

    public static ExcelOptions Parse(JsonElement? options, Errors errors)
    {
        var o = new ExcelOptions();
        if (options is not { ValueKind: JsonValueKind.Object } el) return o;
        foreach (var p in el.EnumerateObject())
        {
            var key = $"formatOptions.{p.Name}";
            var v = p.Value;
            string? Str(int max)
            {
                if (v.ValueKind == JsonValueKind.String && v.GetString()!.Length <= max) return v.GetString()!;
                errors.Add(key, $"{p.Name} must be text of at most {max} characters."); return null;
            }
            bool? Bool()
            {
                if (v.ValueKind is JsonValueKind.True or JsonValueKind.False) return v.GetBoolean();
                errors.Add(key, $"{p.Name} must be true or false."); return null;
            }
            switch (p.Name)
            {
                case "sheetName":
                case "templateSheet":
                    if (Str(31) is { } name)
                    {
                        if (name.Trim().Length == 0 || name.IndexOfAny(BadSheetChars) >= 0 || name.StartsWith('\'') || name.EndsWith('\''))
                            errors.Add(key, "A sheet name has 1 to 31 characters, none of [ ] : * ? / \\, and does not start or end with an apostrophe.");
                        else if (p.Name == "sheetName" && BuiltInSheets.Contains(name.Trim(), StringComparer.OrdinalIgnoreCase))
                            errors.Add(key, $"'{name.Trim()}' is the name of a sheet the workbook adds ({string.Join(", ", BuiltInSheets)}); choose another.");
                        else o = p.Name == "sheetName" ? o with { SheetName = name.Trim() } : o with { TemplateSheet = name.Trim() };
                    }
                    break;
                case "title": if (Str(200) is { } t) o = o with { Title = t }; break;
                case "author": if (Str(200) is { } a) o = o with { Author = a }; break;
                case "dateFormat": if (Str(64) is { Length: > 0 } df) o = o with { DateFormat = df, DateFormatGiven = true }; break;
                case "numberFormat": if (Str(64) is { Length: > 0 } nf) o = o with { NumberFormat = nf }; break;
                case "freezeHeader": if (Bool() is { } fh) o = o with { FreezeHeader = fh }; break;
                case "autoFilter": if (Bool() is { } af) o = o with { AutoFilter = af }; break;
                case "alternateRows": if (Bool() is { } ar) o = o with { AlternateRows = ar }; break;
                case "summary": if (Bool() is { } su) o = o with { Summary = su }; break;
                case "chart": if (Bool() is { } ch) o = o with { Chart = ch }; break;
                case "pivot": if (Bool() is { } pv) o = o with { Pivot = pv }; break;
                case "conditionalFormatting":
                    if (v.ValueKind == JsonValueKind.String && v.GetString() is "colorScale" or "threshold" or "none") o = o with { ConditionalFormatting = v.GetString()! };
                    else errors.Add(key, "conditionalFormatting must be colorScale, threshold or none.");
                    break;
                case "threshold":
                    if (v.ValueKind == JsonValueKind.Number && double.IsFinite(v.GetDouble())) o = o with { Threshold = v.GetDouble() };
                    else errors.Add(key, "threshold must be a number.");
                    break;
                case "rowsPerSheet":
                    if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var rps) && rps is >= 100 and < SheetRowLimit) o = o with { RowsPerSheet = rps };
                    else errors.Add(key, $"rowsPerSheet must be a whole number from 100 to {SheetRowLimit - 1}.");
                    break;
                case "template":
                    try { o = o with { Template = v.ValueKind == JsonValueKind.String ? Convert.FromBase64String(v.GetString()!) : throw new FormatException() }; }
                    catch (FormatException) { errors.Add(key, "template must be a base64-encoded .xlsx file."); }
                    break;
                default:
                    errors.Add(key, $"Unknown Excel option '{p.Name}'.");
                    break;
            }
        }
        if (o.ConditionalFormatting == "threshold" && o.Threshold is null) errors.Add("formatOptions.threshold", "A threshold is needed for conditionalFormatting 'threshold'.");
        if (o.Template is not null && o.TemplateSheet is null) errors.Add("formatOptions.templateSheet", "Name the template's sheet that receives the data.");
        if (o.Template is null && o.TemplateSheet is not null) errors.Add("formatOptions.template", "templateSheet needs a template workbook.");
        if (o.Template is { } tpl && XlsxTemplate.Check(tpl, o.TemplateSheet) is { } problem) errors.Add("formatOptions.template", problem);
        return o;
    }

    public void Validate(ExportSchema schema, Errors errors)
    {
        if (schema.Columns.Count > 16_384) errors.Add("columns", "Excel sheets hold at most 16,384 columns.");
    }
}
