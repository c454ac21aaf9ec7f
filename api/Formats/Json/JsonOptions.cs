using System.Text.Json;
using Exports.Shared;

namespace Exports.Formats.Json;

public sealed record JsonOptions
{
    /// <summary>"flat" (an array of row objects), "nested" (series with their points) or "normalized" (series once, points by id).</summary>
    public string Style { get; init; } = "flat";
    public bool Pretty { get; init; }
    public bool Metadata { get; init; } = true;
    /// <summary>"include" (null), "exclude" (property left out) or "empty" (empty string).</summary>
    public string Nulls { get; init; } = "include";
    public ValueFormat Values { get; init; } = new();

    public static JsonOptions Parse(JsonElement? options, bool lines, Errors errors)
    {
        var o = new JsonOptions { Values = ValueFormat.Parse(options, errors), Metadata = !lines };
        if (options is not { ValueKind: JsonValueKind.Object } el) return o;
        if (el.TryGetProperty("decimalSeparator", out _) || el.TryGetProperty("thousandsSeparator", out _))
            errors.Add("formatOptions", "JSON numbers always use '.' and no thousands separator; decimalSeparator and thousandsSeparator apply to CSV and TSV.");
        if (el.TryGetProperty("style", out var st))
        {
            if (lines) errors.Add("formatOptions.style", "JSONL is always one flat object per line; style applies to json.");
            else if (st.Text() is "flat" or "nested" or "normalized") o = o with { Style = st.Text()! };
            else errors.Add("formatOptions.style", "style must be flat, nested or normalized.");
        }
        if (el.TryGetProperty("pretty", out var p))
        {
            if (lines && p.ValueKind == JsonValueKind.True) errors.Add("formatOptions.pretty", "JSONL puts one object on each line; it cannot be pretty-printed.");
            else if (p.ValueKind is JsonValueKind.True or JsonValueKind.False) o = o with { Pretty = p.GetBoolean() };
            else errors.Add("formatOptions.pretty", "pretty must be true or false.");
        }
        if (el.TryGetProperty("metadata", out var m))
        {
            if (lines && m.ValueKind == JsonValueKind.True) errors.Add("formatOptions.metadata", "JSONL has no metadata block; use json for one.");
            else if (m.ValueKind is JsonValueKind.True or JsonValueKind.False) o = o with { Metadata = m.GetBoolean() };
            else errors.Add("formatOptions.metadata", "metadata must be true or false.");
        }
        if (el.TryGetProperty("nulls", out var n))
        {
            if (n.Text() is "include" or "exclude" or "empty") o = o with { Nulls = n.Text()! };
            else errors.Add("formatOptions.nulls", "nulls must be include, exclude or empty.");
        }
        return o;
    }


    public void Validate(ExportSchema schema, Errors errors)
    {
        if (Style is "nested" or "normalized" && !schema.Columns.Any(c => c.IsKey))
            errors.Add("formatOptions.style", $"The {Style} style groups rows by their dimensions, and this export selects none: add a group-by, keep a dimension column, or use flat.");
    }
}
