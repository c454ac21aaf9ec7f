using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Exports.Features.Sources;

/// <summary>Turns an ingest body (a JSON array, an object holding one, NDJSON, or CSV with a header) into
/// uniform row objects: each row is a map of field name to JSON value; CSV cells arrive as strings.</summary>
public static class IngestParsing
{
    public static List<Dictionary<string, JsonElement>>? Parse(string body, string contentType, string arrayName, Action<string, string> error)
    {
        var ct = contentType.ToLowerInvariant();
        try
        {
            if (ct.Contains("csv")) return Csv(body, error);
            if (ct.Contains("ndjson") || ct.Contains("jsonl") || ct.Contains("x-json-stream"))
            {
                var rows = new List<Dictionary<string, JsonElement>>();
                var lineNo = 0;
                foreach (var line in body.Split('\n'))
                {
                    lineNo++;
                    if (line.Trim().Length == 0) continue;
                    using var doc = JsonDocument.Parse(line);
                    if (doc.RootElement.ValueKind != JsonValueKind.Object) { error($"rows[{rows.Count}]", $"Line {lineNo} is not a JSON object."); return null; }
                    rows.Add(Obj(doc.RootElement));
                }
                return rows;
            }
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty(arrayName, out var inner)) root = inner;
            if (root.ValueKind != JsonValueKind.Array) { error("body", $"Expected a JSON array of rows, or {{\"{arrayName}\": [...]}}."); return null; }
            var list = new List<Dictionary<string, JsonElement>>();
            foreach (var item in root.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object) { error($"rows[{list.Count}]", $"Row {list.Count + 1} is not a JSON object."); return null; }
                list.Add(Obj(item));
            }
            return list;
        }
        catch (JsonException e)
        {
            error("body", $"The body is not valid JSON: {e.Message}");
            return null;
        }
    }

    static Dictionary<string, JsonElement> Obj(JsonElement e) => e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());

    static List<Dictionary<string, JsonElement>>? Csv(string body, Action<string, string> error)
    {
        var records = CsvRecords(body).ToList();
        if (records.Count == 0) { error("body", "The CSV body is empty: it needs a header row."); return null; }
        var header = records[0];
        var rows = new List<Dictionary<string, JsonElement>>();
        for (var i = 1; i < records.Count; i++)
        {
            var r = records[i];
            if (r.Count == 1 && r[0].Length == 0) continue;
            if (r.Count != header.Count) { error($"rows[{rows.Count}]", $"Row {rows.Count + 1} has {r.Count} cells; the header has {header.Count}."); return null; }
            var d = new Dictionary<string, JsonElement>();
            for (var c = 0; c < header.Count; c++)
                if (r[c].Length > 0) d[header[c]] = JsonSerializer.SerializeToElement(r[c]);
            rows.Add(d);
        }
        return rows;
    }

    /// <summary>RFC 4180 records: quoted fields may hold delimiters, quotes ("") and line breaks.</summary>
    public static IEnumerable<List<string>> CsvRecords(string text)
    {
        var field = new StringBuilder();
        var record = new List<string>();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else field.Append(ch);
            }
            else if (ch == '"' && field.Length == 0) quoted = true;
            else if (ch == ',') { record.Add(field.ToString()); field.Clear(); }
            else if (ch == '\n' || ch == '\r')
            {
                if (ch == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                record.Add(field.ToString()); field.Clear();
                yield return record;
                record = [];
            }
            else field.Append(ch);
        }
        if (field.Length > 0 || record.Count > 0) { record.Add(field.ToString()); yield return record; }
    }

    public static bool TryTime(JsonElement v, out DateTime utc)
    {
        utc = default;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var unix))
        {
            // Seconds or milliseconds since the epoch, told apart by magnitude.
            utc = unix > 100_000_000_000 ? DateTime.UnixEpoch.AddMilliseconds(unix) : DateTime.UnixEpoch.AddSeconds(unix);
            return true;
        }
        if (v.ValueKind != JsonValueKind.String) return false;
        var s = v.GetString()!;
        if (long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out unix))
            return TryTime(JsonSerializer.SerializeToElement(unix), out utc);
        if (!DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var dto)) return false;
        utc = dto.UtcDateTime;
        return true;
    }

    public static bool TryNumber(JsonElement v, out double d)
    {
        d = 0;
        if (v.ValueKind == JsonValueKind.Number) { d = v.GetDouble(); return double.IsFinite(d); }
        return v.ValueKind == JsonValueKind.String
               && double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out d) && double.IsFinite(d);
    }

    public static string? Text(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString(),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => v.GetRawText(),
        _ => null,
    };
}
