namespace Exports.Shared;

/// <summary>Field errors keyed by the JSON path of the offending input ("metrics[1]", "timeframe.from").</summary>
public sealed class Errors
{
    readonly Dictionary<string, List<string>> _errors = new();
    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list)) _errors[field] = list = [];
        list.Add(message);
        Count++;
    }
    public bool Any => _errors.Count > 0;
    /// <summary>Messages recorded, over all fields.</summary>
    public int Count { get; private set; }
    public Dictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());

    /// <summary>The errors under other names (a request field named after the query parameter that set it); fields
    /// that rename to one name keep all their messages.</summary>
    public Dictionary<string, string[]> ToDictionary(Func<string, string> rename) =>
        _errors.GroupBy(e => rename(e.Key)).ToDictionary(g => g.Key, g => g.SelectMany(e => e.Value).ToArray());
}

public static class JsonElements
{
    /// <summary>The element's text when it is a JSON string, otherwise null (never throws on another kind).</summary>
    public static string? Text(this System.Text.Json.JsonElement e) =>
        e.ValueKind == System.Text.Json.JsonValueKind.String ? e.GetString() : null;
}

public static class JsonErrors
{
    /// <summary>A System.Text.Json error message without the " Path: … | LineNumber: … | BytePositionInLine: …" tail
    /// it appends: the callers say where, in the API's own words.</summary>
    public static string Reason(string message)
    {
        foreach (var marker in new[] { " Path:", " LineNumber:" })
        {
            var cut = message.IndexOf(marker, StringComparison.Ordinal);
            if (cut > 0) message = message[..cut];
        }
        return message.TrimEnd(' ', '|');
    }
}
