using System.Globalization;
using System.Text.Json;
using Parquet;
using Parquet.Schema;

namespace Exports.Tests.Infrastructure;

/// <summary>One column as Parquet.Net reads it: its CLR type and its logical type in one spelling
/// (<c>timestamp[micros,utc]</c>, <c>timestamp[millis]</c>, <c>decimal(18,4)</c>, <c>date</c>, <c>string</c>,
/// <c>int64</c>, <c>int32</c>, <c>double</c>, <c>float</c>, <c>boolean</c>).</summary>
public sealed record ParquetNetColumn(string Name, Type ClrType, bool Nullable, string Logical);

/// <summary>A Parquet file as Parquet.Net reads it: columns, rows (values as Parquet.Net hands them over: DateTime,
/// DateOnly, decimal, string, long, int, double, float, bool or null), key-value metadata, row-group sizes and null counts,
/// and the timestamp columns Parquet.Net 6.1 could not decode as DateTime because they are DELTA_BINARY_PACKED (read as
/// their stored integers and converted by their unit instead).</summary>
public sealed record ParquetNetFile(
    IReadOnlyList<ParquetNetColumn> Columns, IReadOnlyList<Dictionary<string, object?>> Rows,
    IReadOnlyDictionary<string, string> Metadata, IReadOnlyList<long> RowGroupSizes, IReadOnlyList<Dictionary<string, long?>> NullCounts,
    IReadOnlySet<string> DeltaTimestampsReadAsIntegers)
{
    public ParquetNetColumn Column(string name) => Assert.Single(Columns, c => c.Name == name);
}

/// <summary>Parquet.Net 6, a second independent reader of the Parquet files we write (beside DuckDB and hyparquet in
/// tests/readers/parquet.mjs): a managed reader with its own decoders for every encoding and codec.</summary>
public static class ParquetNetReader
{
    public static async Task<ParquetNetFile> ReadAsync(string path)
    {
        await using var file = File.OpenRead(path);
        await using var reader = await ParquetReader.CreateAsync(file, new ParquetOptions { UseDateOnlyTypeForDates = true });
        var fields = reader.Schema.GetDataFields();
        var columns = fields.Select(f => new ParquetNetColumn(f.Name, f.ClrType, f.IsNullable, Logical(f))).ToList();
        var rows = new List<Dictionary<string, object?>>();
        var sizes = new List<long>();
        var nulls = new List<Dictionary<string, long?>>();
        var fallbacks = new HashSet<string>();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var rg = reader.OpenRowGroupReader(g);
            var n = checked((int)rg.RowCount);
            sizes.Add(rg.RowCount);
            nulls.Add(fields.ToDictionary(f => f.Name, f => rg.GetStatistics(f)?.NullCount));
            var group = Enumerable.Range(0, n).Select(_ => new Dictionary<string, object?>()).ToList();
            foreach (var f in fields)
            {
                var values = await ReadColumnAsync(rg, f, n, fallbacks);
                for (var i = 0; i < n; i++) group[i][f.Name] = values[i];
            }
            rows.AddRange(group);
        }
        return new ParquetNetFile(columns, rows, reader.CustomMetadata ?? new Dictionary<string, string>(), sizes, nulls, fallbacks);
    }

    static string Logical(DataField f) => f switch
    {
        DateTimeDataField d => $"timestamp[{d.Unit.ToString().ToLowerInvariant()}{(d.IsAdjustedToUTC ? ",utc" : "")}]",
        DecimalDataField d => $"decimal({d.Precision},{d.Scale})",
        _ when f.ClrType == typeof(DateOnly) => "date",
        _ when f.ClrType == typeof(string) || f.ClrType == typeof(ReadOnlyMemory<char>) => "string",
        _ when f.ClrType == typeof(long) => "int64",
        _ when f.ClrType == typeof(int) => "int32",
        _ when f.ClrType == typeof(double) => "double",
        _ when f.ClrType == typeof(float) => "float",
        _ when f.ClrType == typeof(bool) => "boolean",
        _ when f.ClrType == typeof(DateTime) => "timestamp[?]",
        _ => f.ClrType.Name,
    };

    static async Task<object?[]> ReadColumnAsync(ParquetRowGroupReader rg, DataField f, int n, HashSet<string> fallbacks)
    {
        if (f.ClrType == typeof(string) || f.ClrType == typeof(ReadOnlyMemory<char>))
        {
            var s = new string[n];
            await rg.ReadAsync(f, s.AsMemory());
            return s;
        }
        if (f.ClrType == typeof(DateTime))
        {
            try { return await ValuesAsync<DateTime>(rg, f, n); }
            catch (NotSupportedException e) when (e.Message.Contains("DELTA_BINARY_PACKED"))
            {
                // Parquet.Net 6.1 decodes DELTA_BINARY_PACKED only into integers, not into DateTime ("element type
                // System.DateTime is not supported in DELTA_BINARY_PACKED"), though the encoding is valid for an INT64
                // timestamp and DuckDB and hyparquet read it (known, open: aloneguid/parquet-dotnet#778): read the stored
                // integers and convert them by the unit.
                var unit = ((DateTimeDataField)f).Unit;
                var asInteger = new DataField(f.Name, typeof(long), f.IsNullable);
                _ = new ParquetSchema(asInteger); // gives the field its path and levels: the same column chunk as f
                var raw = await ValuesAsync<long>(rg, asInteger, n);
                var result = raw.Select(x => x is long v
                    ? (object?)new DateTime(DateTime.UnixEpoch.Ticks + unit switch { DateTimeTimeUnit.Millis => v * 10_000, DateTimeTimeUnit.Micros => v * 10, _ => v / 100 }, DateTimeKind.Utc)
                    : null).ToArray();
                fallbacks.Add(f.Name);
                return result;
            }
        }
        if (f.ClrType == typeof(DateOnly)) return await ValuesAsync<DateOnly>(rg, f, n);
        if (f.ClrType == typeof(decimal)) return await ValuesAsync<decimal>(rg, f, n);
        if (f.ClrType == typeof(long)) return await ValuesAsync<long>(rg, f, n);
        if (f.ClrType == typeof(int)) return await ValuesAsync<int>(rg, f, n);
        if (f.ClrType == typeof(double)) return await ValuesAsync<double>(rg, f, n);
        if (f.ClrType == typeof(float)) return await ValuesAsync<float>(rg, f, n);
        if (f.ClrType == typeof(bool)) return await ValuesAsync<bool>(rg, f, n);
        throw new NotSupportedException($"Parquet.Net column {f.Name} of {f.ClrType}: not one our writer makes");
    }

    static async Task<object?[]> ValuesAsync<T>(ParquetRowGroupReader rg, DataField f, int n) where T : struct
    {
        if (f.IsNullable)
        {
            var v = new T?[n];
            await rg.ReadAsync(f, v.AsMemory());
            return v.Select(x => x.HasValue ? (object?)x.Value : null).ToArray();
        }
        var w = new T[n];
        await rg.ReadAsync(f, w.AsMemory());
        return w.Select(x => (object?)x).ToArray();
    }

    /// <summary>Microseconds since the Unix epoch of an instant Parquet.Net read (DuckDB's <c>epoch_us</c>).</summary>
    public static long Micros(object? value)
    {
        var t = Assert.IsType<DateTime>(value);
        if (t.Kind == DateTimeKind.Local) t = t.ToUniversalTime();
        return (t.Ticks - DateTime.UnixEpoch.Ticks) / 10;
    }

    /// <summary>The DuckDB type name a Parquet.Net logical type corresponds to.</summary>
    static string DuckType(string logical) => logical switch
    {
        "string" => "VARCHAR", "int64" => "BIGINT", "int32" => "INTEGER", "double" => "DOUBLE", "float" => "FLOAT",
        "boolean" => "BOOLEAN", "date" => "DATE",
        _ when logical.StartsWith("timestamp[") && logical.EndsWith(",utc]") => "TIMESTAMP WITH TIME ZONE",
        _ when logical.StartsWith("timestamp[") => "TIMESTAMP",
        _ when logical.StartsWith("decimal(") => "DECIMAL" + logical["decimal".Length..],
        _ => logical,
    };

    /// <summary>Asserts Parquet.Net and DuckDB (the <c>duckdb</c> part of <see cref="NodeReaders.ParquetAsync"/>) read the
    /// same file alike: the same columns with corresponding logical types (timestamps with the unit DuckDB's schema
    /// names, decimals with precision and scale), the same row count and, row by row, the same values and nulls.
    /// <paramref name="partitionColumns"/> are the Hive partition columns DuckDB adds from the folder names of a part
    /// file (they are not in the file).</summary>
    public static void AssertSameAs(this ParquetNetFile pq, JsonElement duck, params string[] partitionColumns)
    {
        var types = duck.GetProperty("types").EnumerateObject().Where(p => !partitionColumns.Contains(p.Name)).ToDictionary(p => p.Name, p => p.Value.GetString()!);
        Assert.Equal(types.Keys, pq.Columns.Select(c => c.Name));
        foreach (var c in pq.Columns)
            Assert.True(DuckType(c.Logical) == types[c.Name], $"{c.Name}: Parquet.Net reads {c.Logical}, DuckDB {types[c.Name]}");
        if (duck.TryGetProperty("schema", out var schema))
        {
            var elements = schema.EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);
            foreach (var c in pq.Columns)
            {
                var e = elements[c.Name];
                Assert.Equal(c.Nullable, e.GetProperty("repetition_type").GetString() == "OPTIONAL");
                if (c.Logical.StartsWith("timestamp["))
                {
                    var unit = c.Logical["timestamp[".Length..].Split(',', ']')[0];
                    var duckLogical = e.GetProperty("logical_type").GetString() ?? "";
                    Assert.True(duckLogical.Contains($"unit={unit.ToUpperInvariant()}", StringComparison.OrdinalIgnoreCase)
                        || e.GetProperty("converted_type").GetString() == $"TIMESTAMP_{unit.ToUpperInvariant()}",
                        $"{c.Name}: Parquet.Net reads unit {unit}, DuckDB's schema says {duckLogical} / {e.GetProperty("converted_type")}");
                }
            }
        }
        var rows = duck.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(rows.Count, pq.Rows.Count);
        for (var i = 0; i < rows.Count; i++)
            foreach (var c in pq.Columns)
                AssertSameValue(c, pq.Rows[i][c.Name], rows[i].GetProperty(c.Name), i);
    }

    static void AssertSameValue(ParquetNetColumn c, object? mine, JsonElement duck, int row)
    {
        var where = $"row {row}, column {c.Name} ({c.Logical}): Parquet.Net {Show(mine)}, DuckDB {duck.GetRawText()}";
        if (duck.ValueKind == JsonValueKind.Null)
        {
            // JSON has no NaN or infinity: the DuckDB reader's JSON hands them over as null.
            Assert.True(mine is null || mine is double d && !double.IsFinite(d) || mine is float f && !float.IsFinite(f), where);
            return;
        }
        Assert.True(mine is not null, where);
        switch (mine)
        {
            case DateTime: Assert.True(Micros(mine) == duck.GetInt64(), where); break;
            case DateOnly d: Assert.True(d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) == duck.GetString(), where); break;
            case string s: Assert.True(s == duck.GetString(), where); break;
            case bool b: Assert.True(b == duck.GetBoolean(), where); break;
            case long l: Assert.True(l.ToString(CultureInfo.InvariantCulture) == (duck.ValueKind == JsonValueKind.String ? duck.GetString() : duck.GetInt64().ToString(CultureInfo.InvariantCulture)), where); break;
            case int n: Assert.True(n == duck.GetInt64(), where); break;
            case double d: Assert.True(d == duck.GetDouble(), where); break; // -0 == 0: JSON has no negative zero
            case float f: Assert.True(f == (float)duck.GetDouble(), where); break;
            case decimal m: Assert.True(m == decimal.Parse(duck.GetRawText().Trim('"'), NumberStyles.Float, CultureInfo.InvariantCulture), where); break;
            default: Assert.Fail($"Unexpected value type {mine.GetType()}: {where}"); break;
        }
    }

    static string Show(object? v) => v switch
    {
        null => "null",
        DateTime t => t.ToString("O", CultureInfo.InvariantCulture) + $" ({t.Kind})",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };
}
