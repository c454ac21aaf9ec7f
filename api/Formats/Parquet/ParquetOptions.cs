using System.Text.Json;
using Exports.Shared;

namespace Exports.Formats.Parquet;

public sealed record ColumnOverride(string? Name, string? Type, bool? Required);

public sealed record ParquetOptions
{
    /// <summary>Page codec: none, snappy, gzip, brotli, zstd or lz4 (written as LZ4_RAW; <c>lz4_raw</c> is accepted as
    /// an alias and stored as <c>lz4</c>). Names are accepted in any letter case and stored in lower case. LZO is
    /// refused with its reason (<see cref="PageCodecs.Refused"/>).</summary>
    public string Compression { get; init; } = "snappy";

    /// <summary>Rows per row group. The seed's 5,000 makes files with hundreds of tiny row groups: every group
    /// repeats its statistics and dictionaries, compresses worse and costs readers a seek per column. 122,880 rows
    /// (DuckDB's own default) keeps a group of a narrow long-form export around a few MB while memory stays bounded
    /// by that one group.</summary>
    public int RowGroupSize { get; init; } = 122_880;

    public int PageSize { get; init; } = 1 << 20;
    public string TimestampUnit { get; init; } = "micros";
    public bool Dictionary { get; init; } = true;
    /// <summary>DELTA_BINARY_PACKED for integers and timestamps: auto (per page, when smaller than PLAIN), always, never.</summary>
    public string DeltaEncoding { get; init; } = "auto";
    public IReadOnlyDictionary<string, ColumnOverride> Schema { get; init; } = new Dictionary<string, ColumnOverride>();
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> PartitionBy { get; init; } = [];

    /// <summary>Most partitions a partitioned export may open; each holds a row group buffer and a temporary file.</summary>
    public const int MaxPartitions = 1000;

    public static ParquetOptions Parse(JsonElement? options, Errors errors)
    {
        var o = new ParquetOptions();
        if (options is not { ValueKind: JsonValueKind.Object } el) return o;
        foreach (var p in el.EnumerateObject())
        {
            var key = $"formatOptions.{p.Name}";
            var v = p.Value;
            switch (p.Name)
            {
                case "compression":
                    if (v.ValueKind == JsonValueKind.String && PageCodecs.Canonical(v.GetString()!) is { } codec) o = o with { Compression = codec };
                    else if (v.ValueKind == JsonValueKind.String && PageCodecs.Refused.TryGetValue(v.GetString()!.ToLowerInvariant(), out var why)) errors.Add(key, why);
                    else errors.Add(key, $"compression must be {string.Join(", ", PageCodecs.Names.SkipLast(1))} or {PageCodecs.Names[^1]}.");
                    break;
                case "rowGroupSize":
                    if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var rg) && rg is >= 1 and <= 10_000_000) o = o with { RowGroupSize = rg };
                    else errors.Add(key, "rowGroupSize must be a whole number from 1 to 10,000,000.");
                    break;
                case "pageSize":
                    if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var ps) && ps is >= 1024 and <= 64 << 20) o = o with { PageSize = ps };
                    else errors.Add(key, "pageSize must be a number of bytes from 1024 to 67108864.");
                    break;
                case "timestampUnit":
                    if (v.ValueKind == JsonValueKind.String && v.GetString() is "micros" or "millis") o = o with { TimestampUnit = v.GetString()! };
                    else errors.Add(key, "timestampUnit must be micros or millis.");
                    break;
                case "dictionary":
                    if (v.ValueKind is JsonValueKind.True or JsonValueKind.False) o = o with { Dictionary = v.GetBoolean() };
                    else errors.Add(key, "dictionary must be true or false.");
                    break;
                case "deltaEncoding":
                    if (v.ValueKind == JsonValueKind.String && v.GetString() is "auto" or "always" or "never") o = o with { DeltaEncoding = v.GetString()! };
                    else errors.Add(key, "deltaEncoding must be auto, always or never.");
                    break;
                case "metadata":
                    if (v.ValueKind == JsonValueKind.Object && v.EnumerateObject().All(x => x.Value.ValueKind == JsonValueKind.String))
                        o = o with { Metadata = v.EnumerateObject().ToDictionary(x => x.Name, x => x.Value.GetString()!) };
                    else errors.Add(key, "metadata must be an object of string values.");
                    break;
                case "partitionBy":
                    if (v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String))
                        o = o with { PartitionBy = v.EnumerateArray().Select(x => x.GetString()!).ToList() };
                    else errors.Add(key, "partitionBy must be an array of column names.");
                    break;
                case "schema":
                    o = o with { Schema = ParseSchema(v, key, errors) };
                    break;
                default:
                    errors.Add(key, $"Unknown Parquet option '{p.Name}'. Known: compression, rowGroupSize, pageSize, timestampUnit, dictionary, deltaEncoding, metadata, partitionBy, schema.");
                    break;
            }
        }
        return o;
    }

    static Dictionary<string, ColumnOverride> ParseSchema(JsonElement v, string key, Errors errors)
    {
        var result = new Dictionary<string, ColumnOverride>();
        if (v.ValueKind != JsonValueKind.Object) { errors.Add(key, "schema must map column names to { name, type, required }."); return result; }
        foreach (var col in v.EnumerateObject())
        {
            var ck = $"{key}.{col.Name}";
            if (col.Value.ValueKind != JsonValueKind.Object) { errors.Add(ck, "Expected { name, type, required }."); continue; }
            string? name = null, type = null; bool? required = null;
            foreach (var f in col.Value.EnumerateObject())
            {
                if (f.Name == "name" && f.Value.ValueKind == JsonValueKind.String && f.Value.GetString()!.Trim().Length > 0) name = f.Value.GetString()!.Trim();
                else if (f.Name == "type" && f.Value.ValueKind == JsonValueKind.String) type = f.Value.GetString()!.Trim().ToLowerInvariant();
                else if (f.Name == "required" && f.Value.ValueKind is JsonValueKind.True or JsonValueKind.False) required = f.Value.GetBoolean();
                else errors.Add($"{ck}.{f.Name}", f.Name is "name" or "type" or "required" ? $"Invalid {f.Name}." : $"Unknown schema property '{f.Name}'.");
            }
            result[col.Name] = new ColumnOverride(name, type, required);
        }
        return result;
    }

    public void Validate(ExportSchema schema, Errors errors)
    {
        var byName = schema.Columns.ToDictionary(c => c.Name, StringComparer.Ordinal);
        foreach (var (col, ov) in Schema)
        {
            if (!byName.TryGetValue(col, out var c)) { errors.Add($"formatOptions.schema.{col}", $"No column named '{col}' in this export."); continue; }
            if (ov.Type is { } t && !ParquetField.AllowedTypes(c.Type).Contains(t))
                errors.Add($"formatOptions.schema.{col}.type", $"'{col}' can be written as {string.Join(", ", ParquetField.AllowedTypes(c.Type))}, not '{t}'.");
        }
        foreach (var p in PartitionBy)
        {
            if (!byName.TryGetValue(p, out var c)) errors.Add("formatOptions.partitionBy", $"No column named '{p}' in this export.");
            else if (c.Json) errors.Add("formatOptions.partitionBy", $"'{p}' is a list column: partition by text or whole-number columns.");
            else if (c.Type is not (ColumnType.String or ColumnType.Long)) errors.Add("formatOptions.partitionBy", $"Partition by text or whole-number columns; '{p}' is {c.Type.ToString().ToLowerInvariant()}.");
        }
        if (PartitionBy.Count > 0 && PartitionBy.Distinct().Count() >= schema.Columns.Count)
            errors.Add("formatOptions.partitionBy", "At least one column must stay in the files.");
        var names = Fields(schema).Select(f => f.Name).ToList();
        foreach (var dup in names.GroupBy(n => n).Where(g => g.Count() > 1))
            errors.Add("formatOptions.schema", $"Two columns would be named '{dup.Key}'.");
    }

    /// <summary>The columns written inside each file (partition columns are in the path instead).</summary>
    public IReadOnlyList<ParquetField> Fields(ExportSchema schema) =>
        schema.Columns.Where(c => !PartitionBy.Contains(c.Name)).Select(c =>
        {
            Schema.TryGetValue(c.Name, out var ov);
            return ParquetField.For(c, ov?.Name, ov?.Type, ov?.Required, TimestampUnit);
        }).ToList();
}
