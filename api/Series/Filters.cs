using Exports.Shared;
using System.Text;
using System.Text.Json;

namespace Exports.Series;

/// <summary>How a field appears in SQL, and its type ("string", "double", "integer", or "array": a jsonb array of scalars).</summary>
public sealed record FieldExpr(string Sql, string Type);

/// <summary>
/// Compiles the filter tree (and / or / not over conditions) to a SQL predicate with positional parameters.
/// Every value is a parameter; field names are resolved through <c>resolve</c>, never spliced from input.
/// </summary>
public sealed class FilterCompiler(Func<string, FieldExpr?> resolve, SqlParams ps, Errors errors)
{
    const int MaxDepth = 16, MaxConditions = 200;
    int _count;
    public bool UsesField(string name) => _used.Contains(name);
    readonly HashSet<string> _used = [];

    public string? Compile(JsonElement node, string path = "filter") => Node(node, path, 0);

    string? Node(JsonElement node, string path, int depth)
    {
        if (depth > MaxDepth) { errors.Add(path, $"The filter is nested more than {MaxDepth} levels deep."); return null; }
        if (node.ValueKind != JsonValueKind.Object) { errors.Add(path, "A filter node must be an object: {and:[..]}, {or:[..]}, {not:{..}} or {field, op, value}."); return null; }
        if (++_count > MaxConditions) { errors.Add(path, $"A filter may hold at most {MaxConditions} nodes."); return null; }
        if (node.TryGetProperty("and", out var and)) return List(and, path + ".and", " AND ", depth);
        if (node.TryGetProperty("or", out var or)) return List(or, path + ".or", " OR ", depth);
        if (node.TryGetProperty("not", out var not))
            return Node(not, path + ".not", depth + 1) is { } inner ? $"NOT coalesce(({inner}), false)" : null;
        return Condition(node, path);
    }

    string? List(JsonElement items, string path, string op, int depth)
    {
        if (items.ValueKind != JsonValueKind.Array || items.GetArrayLength() == 0)
        { errors.Add(path, "Expected a non-empty array of filter nodes."); return null; }
        var parts = new List<string>();
        var i = 0;
        foreach (var item in items.EnumerateArray())
            if (Node(item, $"{path}[{i++}]", depth + 1) is { } sql) parts.Add(sql);
        return parts.Count == items.GetArrayLength() ? "(" + string.Join(op, parts) + ")" : null;
    }

    string? Condition(JsonElement node, string path)
    {
        if (!node.TryGetProperty("field", out var f) || f.ValueKind != JsonValueKind.String)
        { errors.Add(path + ".field", "A condition needs a field."); return null; }
        var fieldName = f.GetString()!;
        var field = resolve(fieldName);
        if (field is null) { errors.Add(path + ".field", $"Unknown field '{fieldName}'."); return null; }
        _used.Add(fieldName);
        if (!node.TryGetProperty("op", out var o) || o.ValueKind != JsonValueKind.String)
        { errors.Add(path + ".op", "A condition needs an op."); return null; }
        var op = o.GetString()!;
        node.TryGetProperty("value", out var v);
        if (field.Type == "array") return ArrayCondition(field.Sql, fieldName, op, v, path);
        var numeric = field.Type != "string";
        var col = field.Sql;
        switch (op)
        {
            case "exists":
                var want = v.ValueKind != JsonValueKind.False;
                return want ? $"{col} IS NOT NULL" : $"{col} IS NULL";
            case "eq" or "neq" or "gt" or "gte" or "lt" or "lte":
                if (Scalar(v, numeric, path) is not { } p) return null;
                var sqlOp = op switch { "eq" => "=", "neq" => "<>", "gt" => ">", "gte" => ">=", "lt" => "<", _ => "<=" };
                return op == "neq" ? $"{col} IS DISTINCT FROM {p}" : $"{col} {sqlOp} {p}";
            case "in" or "nin":
                if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() == 0)
                { errors.Add(path + ".value", $"'{op}' needs a non-empty array."); return null; }
                var arr = Array(v, numeric, path);
                if (arr is null) return null;
                return op == "in" ? $"{col} = ANY({arr})" : $"NOT coalesce({col} = ANY({arr}), false)";
            case "between":
                if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() != 2)
                { errors.Add(path + ".value", "'between' needs [low, high]."); return null; }
                var lo = Scalar(v[0], numeric, path); var hi = Scalar(v[1], numeric, path);
                return lo is null || hi is null ? null : $"{col} BETWEEN {lo} AND {hi}";
            case "contains" or "startsWith":
                if (numeric) { errors.Add(path + ".op", $"'{op}' applies to text fields; '{fieldName}' is numeric."); return null; }
                if (Scalar(v, false, path) is not { } s) return null;
                return op == "contains" ? $"strpos({col}, {s}) > 0" : $"starts_with({col}, {s})";
            default:
                errors.Add(path + ".op", $"Unknown op '{op}'. Use eq, neq, in, nin, gt, gte, lt, lte, between, contains, startsWith or exists.");
                return null;
        }
    }

    /// <summary>A condition on an array field (jsonb): contains = some element equals the value (all of them for an
    /// array value), with jsonb @>; in / nin = some element equals one of the values (none does, or the field is
    /// missing); eq / neq = the whole array (same elements, same order); exists = the field is present.
    /// Text typed for a number: for contains with one value and for each value of in / nin, a string that is JSON number
    /// syntax ("12345678901234567890", "2.5e3") also matches that number, exactly (jsonb compares numbers as numeric),
    /// and "true" / "false" also match the booleans. Not the other way round: the number 1 matches only numbers equal to
    /// 1, never the string "1". contains with an array value and eq / neq compare the JSON as given (no conversion).
    /// Every number must be one jsonb holds (<see cref="JsonNumber"/>): anything else is a 400 at its path, never SQL.</summary>
    string? ArrayCondition(string col, string fieldName, string op, JsonElement v, string path)
    {
        switch (op)
        {
            case "exists":
                return v.ValueKind != JsonValueKind.False ? $"{col} IS NOT NULL" : $"{col} IS NULL";
            case "contains":
                if (v.ValueKind == JsonValueKind.Array)
                {
                    if (v.GetArrayLength() == 0 || v.EnumerateArray().Any(x => !IsScalar(x)))
                    { errors.Add(path + ".value", "'contains' on an array field needs a value, or a non-empty array of strings, numbers or booleans (all must be present)."); return null; }
                    if (!NumbersStorable(v, path)) return null;
                    return $"{col} @> {ps.Add(v.GetRawText())}::jsonb";
                }
                if (!IsScalar(v)) { errors.Add(path + ".value", "Expected a string, number or boolean (an element of the array)."); return null; }
                if (!NumbersStorable(v, path)) return null;
                return "(" + string.Join(" OR ", Elements(v).Select(e => $"{col} @> {ps.Add("[" + e + "]")}::jsonb")) + ")";
            case "in" or "nin":
                if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() == 0 || v.EnumerateArray().Any(x => !IsScalar(x)))
                { errors.Add(path + ".value", $"'{op}' needs a non-empty array of strings, numbers or booleans."); return null; }
                if (!NumbersStorable(v, path)) return null;
                var any = $"{col} @> ANY({ps.Add(v.EnumerateArray().SelectMany(Elements).Select(e => "[" + e + "]").ToArray())}::jsonb[])";
                return op == "in" ? any : $"NOT coalesce({any}, false)";
            case "eq" or "neq":
                if (v.ValueKind != JsonValueKind.Array || v.EnumerateArray().Any(x => !IsScalar(x) && x.ValueKind != JsonValueKind.Null))
                { errors.Add(path + ".value", $"'{op}' on the array field '{fieldName}' compares the whole array: give an array (use contains for one element)."); return null; }
                if (!NumbersStorable(v, path)) return null;
                var p = ps.Add(v.GetRawText()) + "::jsonb";
                return op == "eq" ? $"{col} = {p}" : $"{col} IS DISTINCT FROM {p}";
            default:
                errors.Add(path + ".op", $"'{op}' does not apply to the array field '{fieldName}'. Use contains, in, nin, eq, neq or exists.");
                return null;
        }

        static bool IsScalar(JsonElement x) => x.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False;

        // The JSON texts an element equal to x can have: x itself, and for a string its number (exact text) or boolean reading.
        static IEnumerable<string> Elements(JsonElement x)
        {
            yield return x.GetRawText();
            if (x.ValueKind != JsonValueKind.String) yield break;
            var s = x.GetString()!;
            if (s is "true" or "false" || JsonNumber.IsStorable(s)) yield return s;
        }
    }

    // Every number of the value (the value itself or its elements) is one jsonb holds; else a field error at its path.
    bool NumbersStorable(JsonElement v, string path)
    {
        var ok = true;
        if (v.ValueKind == JsonValueKind.Number) ok = Check(v, path + ".value");
        else if (v.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var x in v.EnumerateArray())
            {
                if (x.ValueKind == JsonValueKind.Number && !Check(x, $"{path}.value[{i}]")) ok = false;
                i++;
            }
        }
        return ok;

        bool Check(JsonElement n, string at)
        {
            var text = n.GetRawText();
            if (JsonNumber.IsStorable(text)) return true;
            errors.Add(at, $"{(text.Length > 40 ? text[..40] + "…" : text)} is not a number an array element can hold: give {JsonNumber.Rule}.");
            return false;
        }
    }

    string? Scalar(JsonElement v, bool numeric, string path)
    {
        if (numeric)
        {
            if (v.ValueKind == JsonValueKind.Number) return ps.Add(v.GetDouble());
            if (v.ValueKind == JsonValueKind.String && double.TryParse(v.GetString(), System.Globalization.NumberStyles.Float,
                    System.Globalization.CultureInfo.InvariantCulture, out var d)) return ps.Add(d);
            errors.Add(path + ".value", "Expected a number."); return null;
        }
        if (v.ValueKind is JsonValueKind.String) return ps.Add(v.GetString()!);
        if (v.ValueKind is JsonValueKind.Number) return ps.Add(v.GetRawText());
        errors.Add(path + ".value", "Expected a string."); return null;
    }

    string? Array(JsonElement v, bool numeric, string path)
    {
        if (numeric)
        {
            var list = new List<double>();
            foreach (var e in v.EnumerateArray())
                if (e.ValueKind == JsonValueKind.Number) list.Add(e.GetDouble());
                else { errors.Add(path + ".value", "Expected an array of numbers."); return null; }
            return ps.Add(list.ToArray()) + "::float8[]";
        }
        var texts = new List<string>();
        foreach (var e in v.EnumerateArray())
            if (e.ValueKind is JsonValueKind.String or JsonValueKind.Number) texts.Add(e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText());
            else { errors.Add(path + ".value", "Expected an array of strings."); return null; }
        return ps.Add(texts.ToArray()) + "::text[]";
    }
}

/// <summary>Positional parameters ($1, $2, ...) collected while SQL is built.</summary>
public sealed class SqlParams
{
    public List<object> Values { get; } = [];
    public string Add(object value) { Values.Add(value); return "$" + Values.Count; }
}

public static class SqlText
{
    /// <summary>A SQL string literal; used only for names already checked against the catalog.</summary>
    public static string Literal(string s) => "'" + s.Replace("'", "''") + "'";
    public static string Join(this IEnumerable<string> parts, string sep) => string.Join(sep, parts);
    public static StringBuilder Line(this StringBuilder sb, string text) => sb.Append(text).Append('\n');
}
