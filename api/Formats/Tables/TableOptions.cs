using System.Text.Json;
using Exports.Shared;

namespace Exports.Formats.Tables;

/// <summary>Which table a <see cref="TableOptions"/> is for: the options are the same but for HTML's title.</summary>
public enum TableStyle { Markdown, Html, Text }

/// <summary>Options of the Markdown, HTML and plain-text table formats, meant for small exports.</summary>
public sealed record TableOptions
{
    /// <summary>Above this many rows the export fails: these formats are for reading, not for data transfer.</summary>
    public const int MaxRows = 100_000;

    public string? Title { get; init; }
    public ValueFormat Values { get; init; } = new();

    public static TableOptions Parse(JsonElement? options, TableStyle style, Errors errors)
    {
        var o = new TableOptions { Values = ValueFormat.Parse(options, errors) };
        if (options is not { ValueKind: JsonValueKind.Object } el) return o;
        foreach (var p in el.EnumerateObject())
        {
            if (p.Name is "dateFormat" or "decimals" or "decimalSeparator" or "thousandsSeparator") continue;
            if (p.Name == "title" && style == TableStyle.Html)
            {
                if (p.Value.ValueKind == JsonValueKind.String && p.Value.GetString()!.Length <= 200) o = o with { Title = p.Value.GetString() };
                else errors.Add("formatOptions.title", "title must be text of at most 200 characters.");
            }
            else errors.Add($"formatOptions.{p.Name}", $"Unknown {style switch { TableStyle.Html => "HTML", TableStyle.Text => "plain-text", _ => "Markdown" }} option '{p.Name}'.");
        }
        return o;
    }
}
