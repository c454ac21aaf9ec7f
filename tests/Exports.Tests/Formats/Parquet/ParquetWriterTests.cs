using System.IO.Compression;
using System.Text.Json;
using Exports.Formats;
using Exports.Formats.Parquet;
using Exports.Shared;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Formats.Parquet;

/// <summary>The Parquet writer, checked by three independent readers (DuckDB, hyparquet and Parquet.Net): values, types,
/// logical types, encodings, codecs, statistics, row groups, metadata and Hive partitions.</summary>
public sealed class ParquetWriterTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("parquet-tests-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static readonly DateTime T0 = new(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);

    static readonly ExportSchema Schema = new(
        [
            new OutputColumn("ts", ColumnType.Time, 0, IsKey: true),
            new OutputColumn("server", ColumnType.String, 1, IsKey: true),
            new OutputColumn("cpu", ColumnType.Double, 2),
            new OutputColumn("requests", ColumnType.Long, 3),
            new OutputColumn("note", ColumnType.String, 4),
        ],
        TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"),
        new Dictionary<string, object?> { ["source"] = "servers", ["tier"] = "raw", ["timezone"] = "Europe/Berlin", ["request"] = new { source = "servers", format = "parquet" } });

    sealed record Row(DateTime Ts, string Server, double? Cpu, long Requests, string? Note);

    static Row Make(int i) => new(
        T0.AddMinutes(i), $"web-{i % 3:00}", i % 7 == 0 ? null : i * 0.5 - 40, i * 3L - 100, i % 5 == 0 ? null : $"note {i} ü");

    static List<Row> Rows(int n) => Enumerable.Range(0, n).Select(Make).ToList();

    async Task<string> WriteAsync(ParquetOptions o, IReadOnlyList<Row> rows, ExportSchema? schema = null, string name = "out.parquet")
    {
        var path = Path.Combine(_dir, name);
        var errors = new Errors();
        o.Validate(schema ?? Schema, errors);
        Assert.False(errors.Any, string.Join("; ", errors.ToDictionary().SelectMany(e => e.Value)));
        await using var file = File.Create(path);
        await using var w = new ParquetRowWriter(schema ?? Schema, file, o);
        var buf = new RowBuffer(5);
        await w.BeginAsync(default);
        foreach (var r in rows)
        {
            buf.Times[0] = r.Ts;
            buf.Strings[1] = r.Server;
            buf.Nulls[2] = r.Cpu is null; buf.Doubles[2] = r.Cpu ?? 0;
            buf.Longs[3] = r.Requests;
            buf.Nulls[4] = r.Note is null; buf.Strings[4] = r.Note;
            w.Write(buf);
            await w.FlushIfFullAsync(default);
        }
        await w.EndAsync(default);
        return path;
    }

    static long Micros(DateTime t) => (t.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    static void AssertDuckRows(JsonElement duck, IReadOnlyList<Row> rows)
    {
        var got = duck.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(rows.Count, got.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var g = got[i];
            Assert.Equal(Micros(rows[i].Ts), g.GetProperty("ts").GetInt64());
            Assert.Equal(rows[i].Server, g.GetProperty("server").GetString());
            if (rows[i].Cpu is { } cpu) Assert.Equal(cpu, g.GetProperty("cpu").GetDouble());
            else Assert.Equal(JsonValueKind.Null, g.GetProperty("cpu").ValueKind);
            Assert.Equal(rows[i].Requests, g.GetProperty("requests").GetInt64());
            Assert.Equal(rows[i].Note, g.GetProperty("note").ValueKind == JsonValueKind.Null ? null : g.GetProperty("note").GetString());
        }
    }

    static void AssertHypRows(JsonElement hyp, IReadOnlyList<Row> rows)
    {
        var got = hyp.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(rows.Count, got.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var g = got[i];
            Assert.Equal(rows[i].Ts, DateTime.Parse(g.GetProperty("ts").GetString()!, null, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal));
            Assert.Equal(rows[i].Server, g.GetProperty("server").GetString());
            if (rows[i].Cpu is { } cpu) Assert.Equal(cpu, g.GetProperty("cpu").GetDouble());
            else Assert.Equal(JsonValueKind.Null, g.GetProperty("cpu").ValueKind);
            Assert.Equal(rows[i].Requests, g.GetProperty("requests").GetInt64());
            Assert.Equal(rows[i].Note, g.GetProperty("note").ValueKind == JsonValueKind.Null ? null : g.GetProperty("note").GetString());
        }
    }

    /// <summary>The expectations of <see cref="AssertDuckRows"/> on what Parquet.Net reads, value by typed value.</summary>
    static void AssertNetRows(ParquetNetFile pq, IReadOnlyList<Row> rows)
    {
        Assert.Equal(rows.Count, pq.Rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var g = pq.Rows[i];
            Assert.Equal(Micros(rows[i].Ts), ParquetNetReader.Micros(g["ts"]));
            Assert.Equal(rows[i].Server, g["server"]);
            Assert.Equal(rows[i].Cpu, (double?)g["cpu"]);
            Assert.Equal(rows[i].Requests, (long)g["requests"]!);
            Assert.Equal(rows[i].Note, (string?)g["note"]);
        }
    }

    /// <summary>Reads <paramref name="path"/> with Parquet.Net, asserts it agrees with DuckDB value by value and type by
    /// type, and returns what it read.</summary>
    /// <summary>Every row of the file read back by DuckDB, hyparquet and Parquet.Net, each checked against
    /// <paramref name="rows"/>; what they read, for the test's own checks.</summary>
    static async Task<(JsonElement Readers, JsonElement Duck, ParquetNetFile Net)> ReadBackAsync(string path, IReadOnlyList<Row> rows)
    {
        var r = await NodeReaders.ParquetAsync(path);
        var duck = r.GetProperty("duckdb");
        AssertDuckRows(duck, rows);
        AssertHypRows(r.GetProperty("hyparquet"), rows);
        var net = await NetAsync(path, duck);
        AssertNetRows(net, rows);
        return (r, duck, net);
    }

    static async Task<ParquetNetFile> NetAsync(string path, JsonElement duck, params string[] partitionColumns)
    {
        var pq = await ParquetNetReader.ReadAsync(path);
        pq.AssertSameAs(duck, partitionColumns);
        return pq;
    }

    static List<JsonElement> Chunks(JsonElement duck, string column) =>
        duck.GetProperty("chunks").EnumerateArray().Where(c => c.GetProperty("path_in_schema").GetString() == column).ToList();

    [Theory]
    [InlineData("none", "UNCOMPRESSED")]
    [InlineData("snappy", "SNAPPY")]
    [InlineData("gzip", "GZIP")]
    [InlineData("brotli", "BROTLI")]
    [InlineData("zstd", "ZSTD")]
    [InlineData("lz4", "LZ4_RAW")]
    public async Task Every_codec_is_read_back_by_both_readers(string codec, string duckName)
    {
        var rows = Rows(2000);
        var path = await WriteAsync(new ParquetOptions { Compression = codec }, rows);
        var (r, duck, net) = await ReadBackAsync(path, rows);
        Assert.Equal(["timestamp[micros,utc]", "string", "double", "int64", "string"], net.Columns.Select(c => c.Logical));
        Assert.Equal([false, true, true, true, true], net.Columns.Select(c => c.Nullable));
        Assert.All(duck.GetProperty("chunks").EnumerateArray(), c => Assert.Equal(duckName, c.GetProperty("compression").GetString()));
        Assert.Equal("TIMESTAMP WITH TIME ZONE", duck.GetProperty("types").GetProperty("ts").GetString());
        Assert.Equal("VARCHAR", duck.GetProperty("types").GetProperty("server").GetString());
        Assert.Equal("DOUBLE", duck.GetProperty("types").GetProperty("cpu").GetString());
        Assert.Equal("BIGINT", duck.GetProperty("types").GetProperty("requests").GetString());
        Assert.Equal(ParquetFileWriter.CreatedBy, duck.GetProperty("file").GetProperty("created_by").GetString());
        Assert.Equal(ParquetFileWriter.CreatedBy, r.GetProperty("hyparquet").GetProperty("createdBy").GetString());
    }

    /// <summary>The reference LZ4 library (liblz4 1.9, the one DuckDB and Arrow build on), as an independent encoder and
    /// decoder of LZ4 blocks.</summary>
    static class LibLz4
    {
        [System.Runtime.InteropServices.DllImport("liblz4.so.1")] static extern int LZ4_decompress_safe(byte[] src, byte[] dst, int srcSize, int dstCapacity);
        [System.Runtime.InteropServices.DllImport("liblz4.so.1")] static extern int LZ4_compress_default(byte[] src, byte[] dst, int srcSize, int dstCapacity);
        public static int Decode(byte[] block, byte[] into) => LZ4_decompress_safe(block, into, block.Length, into.Length);
        public static byte[] Encode(byte[] data)
        {
            var dst = new byte[data.Length + 64];
            return dst[..LZ4_compress_default(data, dst, data.Length, dst.Length)];
        }
    }

    /// <summary>An empty page body is still one LZ4 block: the single token 0x00 (no literals, no match), the block
    /// liblz4 itself writes for an empty input and decodes to zero bytes. Zero bytes of output are not a block: liblz4
    /// refuses them.</summary>
    [Fact]
    public void Lz4_compresses_an_empty_page_to_the_one_byte_empty_block()
    {
        using var o = new ByteBuffer();
        PageCodecs.Compress(PageCodecs.Lz4Raw, ReadOnlySpan<byte>.Empty, o);
        Assert.Equal([0x00], o.Span.ToArray());
        Assert.Equal(LibLz4.Encode([]), o.Span.ToArray());
        Assert.Equal(0, LibLz4.Decode(o.Span.ToArray(), new byte[16]));
        Assert.Equal(0, LibLz4.Decode(o.Span.ToArray(), []));
        Assert.True(LibLz4.Decode([], new byte[16]) < 0, "liblz4 refuses a zero-byte block");
    }

    /// <summary>A non-empty page is one block that liblz4 decodes back to the same bytes, appended after what the buffer
    /// held.</summary>
    [Fact]
    public void Lz4_block_decodes_back_to_the_page_after_what_the_buffer_held()
    {
        var page = Enumerable.Range(0, 5000).Select(i => (byte)(i % 251 < 200 ? i % 7 : i)).ToArray();
        using var o = new ByteBuffer();
        o.Bytes([1, 2, 3]);
        PageCodecs.Compress(PageCodecs.Lz4Raw, page, o);
        Assert.Equal([1, 2, 3], o.Span[..3].ToArray());
        Assert.True(o.Length - 3 < page.Length / 2, $"{o.Length - 3} bytes for a repetitive page of {page.Length}");
        var back = new byte[page.Length];
        Assert.Equal(page.Length, LibLz4.Decode(o.Span[3..].ToArray(), back));
        Assert.Equal(page, back);
    }

    /// <summary>LZ4_RAW over several row groups of many small pages, with a column of doubles made of random bits
    /// (pages LZ4 cannot shrink, written as literals) beside columns that compress well.</summary>
    [Fact]
    public async Task Lz4_pages_that_do_and_do_not_compress_are_read_back_by_three_readers()
    {
        var rng = new Random(20261130);
        double RandomDouble()
        {
            while (true)
            {
                var d = BitConverter.Int64BitsToDouble(rng.NextInt64(long.MinValue, long.MaxValue));
                if (double.IsFinite(d)) return d;
            }
        }
        var rows = Enumerable.Range(0, 20_000).Select(i => Make(i) with { Cpu = i % 97 == 0 ? null : RandomDouble() }).ToList();
        const int pageSize = 4096;
        var path = await WriteAsync(new ParquetOptions { Compression = "lz4", RowGroupSize = 7_000, PageSize = pageSize }, rows);
        var (r, duck, net) = await ReadBackAsync(path, rows);
        Assert.Equal([7_000L, 7_000L, 6_000L], net.RowGroupSizes);
        Assert.Equal(3, duck.GetProperty("file").GetProperty("num_row_groups").GetInt32());
        Assert.All(duck.GetProperty("chunks").EnumerateArray(), c => Assert.Equal("LZ4_RAW", c.GetProperty("compression").GetString()));
        Assert.All(r.GetProperty("hyparquet").GetProperty("rowGroups").EnumerateArray().SelectMany(g => g.EnumerateArray()),
            c => Assert.Equal("LZ4_RAW", c.GetProperty("codec").GetString()));
        foreach (var cpu in Chunks(duck, "cpu"))
        {
            long packed = cpu.GetProperty("total_compressed_size").GetInt64(), plain = cpu.GetProperty("total_uncompressed_size").GetInt64();
            Assert.True(plain > 10 * pageSize, $"a cpu chunk of {plain} bytes spans more than ten pages");
            Assert.True(packed >= plain, $"random doubles do not compress ({packed} of {plain} bytes)");
        }
        foreach (var note in Chunks(duck, "note"))
        {
            long packed = note.GetProperty("total_compressed_size").GetInt64(), plain = note.GetProperty("total_uncompressed_size").GetInt64();
            Assert.True(plain > 10 * pageSize, $"a note chunk of {plain} bytes spans more than ten pages");
            Assert.True(packed < plain * 0.8, $"repetitive text compresses ({packed} of {plain} bytes)");
        }
    }

    [Theory]
    [InlineData(true, "auto")]
    [InlineData(false, "never")]
    [InlineData(true, "always")]
    public async Task Encodings_are_the_ones_asked_for_and_round_trip(bool dictionary, string delta)
    {
        var rows = Rows(3000);
        var path = await WriteAsync(new ParquetOptions { Dictionary = dictionary, DeltaEncoding = delta, Compression = "none" }, rows);
        var (r, duck, _) = await ReadBackAsync(path, rows);
        string Enc(string col) => Chunks(duck, col)[0].GetProperty("encodings").GetString()!;
        if (dictionary) Assert.Contains("RLE_DICTIONARY", Enc("server"));
        else Assert.DoesNotContain("DICTIONARY", Enc("server"));
        // 3,000 distinct notes: the dictionary would not pay for itself, so the chunk falls back to PLAIN.
        Assert.DoesNotContain("DICTIONARY", Enc("note"));
        if (delta == "never") Assert.DoesNotContain("DELTA_BINARY_PACKED", Enc("ts"));
        else Assert.Contains("DELTA_BINARY_PACKED", Enc("ts")); // one-minute steps: delta always wins
        if (delta == "always") Assert.Contains("DELTA_BINARY_PACKED", Enc("requests"));
        // Parquet.Net 6.1 refuses DELTA_BINARY_PACKED timestamps as DateTime (a limit of that reader, not of the file:
        // DuckDB and hyparquet read them); its values are then compared from the stored integers.
        Assert.Equal(delta != "never", (await ParquetNetReader.ReadAsync(path)).DeltaTimestampsReadAsIntegers.Contains("ts"));
        var hypEncodings = r.GetProperty("hyparquet").GetProperty("rowGroups")[0].EnumerateArray()
            .ToDictionary(c => c.GetProperty("path").GetString()!, c => c.GetProperty("encodings").EnumerateArray().Select(e => e.GetString()).ToList());
        Assert.Equal(dictionary, hypEncodings["server"].Contains("RLE_DICTIONARY"));
    }

    [Fact]
    public async Task Three_row_groups_each_carry_statistics_that_match_their_rows()
    {
        var rows = Rows(1000);
        var path = await WriteAsync(new ParquetOptions { RowGroupSize = 400, PageSize = 1024 }, rows);
        var (r, duck, net) = await ReadBackAsync(path, rows);
        Assert.Equal(3, duck.GetProperty("file").GetProperty("num_row_groups").GetInt32());
        Assert.Equal([400L, 400L, 200L], net.RowGroupSizes);
        for (var g = 0; g < 3; g++)
        {
            var part = rows.Skip(g * 400).Take(400).ToList();
            JsonElement Chunk(string col) => Chunks(duck, col)[g];
            Assert.Equal(part.Count, Chunk("cpu").GetProperty("row_group_num_rows").GetInt32());
            Assert.Equal(part.Count(x => x.Cpu is null), Chunk("cpu").GetProperty("stats_null_count").GetInt32());
            Assert.Equal(part.Where(x => x.Cpu is not null).Min(x => x.Cpu)!.Value, double.Parse(Chunk("cpu").GetProperty("stats_min_value").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(part.Where(x => x.Cpu is not null).Max(x => x.Cpu)!.Value, double.Parse(Chunk("cpu").GetProperty("stats_max_value").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(part.Min(x => x.Requests).ToString(), Chunk("requests").GetProperty("stats_min_value").GetString());
            Assert.Equal(part.Max(x => x.Requests).ToString(), Chunk("requests").GetProperty("stats_max_value").GetString());
            Assert.Equal(part.Select(x => x.Server).Min(StringComparer.Ordinal), Chunk("server").GetProperty("stats_min_value").GetString());
            Assert.Equal(part.Select(x => x.Server).Max(StringComparer.Ordinal), Chunk("server").GetProperty("stats_max_value").GetString());
            Assert.Equal(part.Count(x => x.Note is null), Chunk("note").GetProperty("stats_null_count").GetInt32());
            Assert.Equal(0, Chunk("ts").GetProperty("stats_null_count").GetInt32());
            Assert.Equal(part.Count(x => x.Cpu is null), net.NullCounts[g]["cpu"]);
            Assert.Equal(part.Count(x => x.Note is null), net.NullCounts[g]["note"]);
        }
        var hypGroups = r.GetProperty("hyparquet").GetProperty("rowGroups");
        Assert.Equal(3, hypGroups.GetArrayLength());
        Assert.Equal(rows.Take(400).Count(x => x.Cpu is null), hypGroups[0].EnumerateArray().First(c => c.GetProperty("path").GetString() == "cpu").GetProperty("nulls").GetInt32());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task Zero_and_one_row_files_are_valid(int n)
    {
        var rows = Rows(n);
        var path = await WriteAsync(new ParquetOptions(), rows);
        var r = await NodeReaders.ParquetAsync(path);
        AssertDuckRows(r.GetProperty("duckdb"), rows);
        AssertHypRows(r.GetProperty("hyparquet"), rows);
        Assert.Equal(n, r.GetProperty("duckdb").GetProperty("file").GetProperty("num_rows").GetInt32());
        Assert.Equal(5, r.GetProperty("duckdb").GetProperty("types").EnumerateObject().Count());
        var net = await NetAsync(path, r.GetProperty("duckdb"));
        AssertNetRows(net, rows);
        Assert.Equal(5, net.Columns.Count);
    }

    [Fact]
    public async Task Schema_overrides_change_names_types_and_metadata()
    {
        var rows = Rows(500);
        var o = new ParquetOptions
        {
            TimestampUnit = "millis",
            Schema = new Dictionary<string, ColumnOverride>
            {
                ["cpu"] = new("cpu_pct", "float", null),
                ["requests"] = new(null, "int32", true),
                ["server"] = new("host", null, true),
            },
            Metadata = new Dictionary<string, string> { ["owner"] = "ops team" },
        };
        var path = await WriteAsync(o, rows);
        var r = await NodeReaders.ParquetAsync(path);
        var duck = r.GetProperty("duckdb");
        var types = duck.GetProperty("types");
        Assert.Equal("FLOAT", types.GetProperty("cpu_pct").GetString());
        Assert.Equal("INTEGER", types.GetProperty("requests").GetString());
        Assert.Equal("VARCHAR", types.GetProperty("host").GetString());
        var schema = duck.GetProperty("schema").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);
        Assert.Equal("REQUIRED", schema["requests"].GetProperty("repetition_type").GetString());
        Assert.Equal("REQUIRED", schema["host"].GetProperty("repetition_type").GetString());
        Assert.Equal("OPTIONAL", schema["cpu_pct"].GetProperty("repetition_type").GetString());
        Assert.Equal("TIMESTAMP_MILLIS", schema["ts"].GetProperty("converted_type").GetString());
        Assert.Contains("isAdjustedToUTC=1", schema["ts"].GetProperty("logical_type").GetString()!.Replace(" ", ""));
        var net = await NetAsync(path, duck);
        Assert.Equal("float", net.Column("cpu_pct").Logical);
        Assert.Equal(("int32", false), (net.Column("requests").Logical, net.Column("requests").Nullable));
        Assert.Equal(("string", false), (net.Column("host").Logical, net.Column("host").Nullable));
        Assert.True(net.Column("cpu_pct").Nullable);
        Assert.Equal("timestamp[millis,utc]", net.Column("ts").Logical);
        var got = duck.GetProperty("rows").EnumerateArray().ToList();
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(Micros(rows[i].Ts), got[i].GetProperty("ts").GetInt64());
            Assert.Equal(rows[i].Requests, got[i].GetProperty("requests").GetInt64());
            if (rows[i].Cpu is { } c) Assert.Equal((float)c, (float)got[i].GetProperty("cpu_pct").GetDouble());
            Assert.Equal(Micros(rows[i].Ts), ParquetNetReader.Micros(net.Rows[i]["ts"]));
            Assert.Equal(rows[i].Requests, (int)net.Rows[i]["requests"]!);
            Assert.Equal(rows[i].Cpu is { } f ? (float)f : null, (float?)net.Rows[i]["cpu_pct"]);
        }
        var kv = duck.GetProperty("kv");
        Assert.Equal("ops team", kv.GetProperty("owner").GetString());
        Assert.Equal("servers", kv.GetProperty("exports.source").GetString());
        Assert.Equal("raw", kv.GetProperty("exports.tier").GetString());
        Assert.Equal("Europe/Berlin", kv.GetProperty("exports.timezone").GetString());
        Assert.Equal("parquet", JsonDocument.Parse(kv.GetProperty("exports.request").GetString()!).RootElement.GetProperty("format").GetString());
        Assert.Equal("ops team", r.GetProperty("hyparquet").GetProperty("kv").GetProperty("owner").GetString());
        Assert.Equal("ops team", net.Metadata["owner"]);
        Assert.Equal("servers", net.Metadata["exports.source"]);
        Assert.Equal("Europe/Berlin", net.Metadata["exports.timezone"]);
    }

    [Fact]
    public async Task Dates_are_local_days_in_the_export_time_zone()
    {
        // 23:30 UTC on 1 Nov is already 2 Nov in Berlin.
        var rows = new List<Row> { new(new DateTime(2026, 11, 1, 23, 30, 0, DateTimeKind.Utc), "a", 1, 1, null) };
        var o = new ParquetOptions { Schema = new Dictionary<string, ColumnOverride> { ["ts"] = new("day", "date", null) } };
        var path = await WriteAsync(o, rows);
        var duck = (await NodeReaders.ParquetAsync(path)).GetProperty("duckdb");
        Assert.Equal("DATE", duck.GetProperty("types").GetProperty("day").GetString());
        Assert.Equal("2026-11-02", duck.GetProperty("rows")[0].GetProperty("day").GetString());
        var net = await NetAsync(path, duck);
        Assert.Equal("date", net.Column("day").Logical);
        Assert.Equal(new DateOnly(2026, 11, 2), net.Rows[0]["day"]);
    }

    [Fact]
    public async Task Booleans_are_bit_packed_and_read_back_by_both_readers()
    {
        var rows = Rows(37).Select((x, i) => x with { Requests = i % 3 == 0 ? 0 : i }).ToList(); // 37: the last byte of bits is partial
        var o = new ParquetOptions { Schema = new Dictionary<string, ColumnOverride> { ["requests"] = new("busy", "boolean", null) } };
        var path = await WriteAsync(o, rows);
        var r = await NodeReaders.ParquetAsync(path);
        var duck = r.GetProperty("duckdb");
        Assert.Equal("BOOLEAN", duck.GetProperty("types").GetProperty("busy").GetString());
        Assert.Equal(rows.Select(x => x.Requests != 0), duck.GetProperty("rows").EnumerateArray().Select(x => x.GetProperty("busy").GetBoolean()));
        Assert.Equal(rows.Select(x => x.Requests != 0), r.GetProperty("hyparquet").GetProperty("rows").EnumerateArray().Select(x => x.GetProperty("busy").GetBoolean()));
        var net = await NetAsync(path, duck);
        Assert.Equal("boolean", net.Column("busy").Logical);
        Assert.Equal(rows.Select(x => x.Requests != 0), net.Rows.Select(x => (bool)x["busy"]!));
        var chunk = Chunks(duck, "busy")[0];
        Assert.Equal("false", chunk.GetProperty("stats_min_value").GetString());
        Assert.Equal("true", chunk.GetProperty("stats_max_value").GetString());
    }

    [Fact]
    public async Task Delta_encoding_round_trips_extreme_integers()
    {
        long[] values = [long.MinValue, long.MaxValue, 0, -1, 1, long.MaxValue, long.MinValue + 1, 42];
        var rows = values.Select((v, i) => new Row(T0.AddSeconds(i * 17), "a", null, v, null)).ToList();
        var path = await WriteAsync(new ParquetOptions { DeltaEncoding = "always" }, rows);
        var duck = (await NodeReaders.ParquetAsync(path)).GetProperty("duckdb");
        var got = duck.GetProperty("rows").EnumerateArray().Select(x => x.GetProperty("requests")).ToList();
        Assert.Equal(values, (await NetAsync(path, duck)).Rows.Select(x => (long)x["requests"]!));
        for (var i = 0; i < values.Length; i++)
            Assert.Equal(values[i].ToString(), got[i].ValueKind == JsonValueKind.String ? got[i].GetString() : got[i].GetInt64().ToString());
        Assert.Contains("DELTA_BINARY_PACKED", Chunks(duck, "requests")[0].GetProperty("encodings").GetString());
    }

    [Fact]
    public async Task Partitions_are_hive_folders_in_a_zip_and_values_cannot_escape_their_folder()
    {
        var rows = Rows(900).Select((x, i) => i % 3 == 2 ? x with { Server = "../etc/pass wd" } : x).ToList();
        var path = await WriteAsync(new ParquetOptions { PartitionBy = ["server"] }, rows, name: "parts.zip");
        var outDir = Path.Combine(_dir, "unzipped");
        using (var zip = ZipFile.OpenRead(path))
        {
            Assert.Equal(["server=%2E%2E%2Fetc%2Fpass wd/part-00000.parquet", "server=web-00/part-00000.parquet", "server=web-01/part-00000.parquet"],
                zip.Entries.Select(e => e.FullName).ToArray());
            zip.ExtractToDirectory(outDir);
        }
        Assert.False(Directory.Exists(Path.Combine(_dir, "etc")));
        foreach (var server in new[] { "web-00", "web-01" })
        {
            var file = Path.Combine(outDir, $"server={server}", "part-00000.parquet");
            var r = await NodeReaders.ParquetAsync(file);
            // The partition column lives in the path only (DuckDB adds it back from the folder name by itself).
            Assert.DoesNotContain("server", r.GetProperty("hyparquet").GetProperty("schema").EnumerateArray().Select(x => x.GetProperty("name").GetString()));
            var expected = rows.Where(x => x.Server == server).ToList();
            Assert.Equal(expected.Count, r.GetProperty("hyparquet").GetProperty("rows").GetArrayLength());
            Assert.Equal(expected.Select(x => x.Requests), r.GetProperty("hyparquet").GetProperty("rows").EnumerateArray().Select(x => x.GetProperty("requests").GetInt64()));
            Assert.Equal("server", r.GetProperty("duckdb").GetProperty("kv").GetProperty("exports.partitionBy").GetString());
            var net = await NetAsync(file, r.GetProperty("duckdb"), "server");
            Assert.DoesNotContain("server", net.Columns.Select(c => c.Name));
            Assert.Equal(expected.Select(x => x.Requests), net.Rows.Select(x => (long)x["requests"]!));
            Assert.Equal("server", net.Metadata["exports.partitionBy"]);
        }
        var hive = (await NodeReaders.ParquetHiveAsync(Path.Combine(outDir, "*", "*.parquet"))).GetProperty("duckdb");
        var all = hive.GetProperty("rows").EnumerateArray().Select(x => (x.GetProperty("server").GetString(), x.GetProperty("requests").GetInt64())).ToHashSet();
        Assert.Equal(rows.Where(x => x.Server.StartsWith("web")).Select(x => ((string?)x.Server, x.Requests)).ToHashSet(), all.Where(x => x.Item1!.StartsWith("web")).ToHashSet());
        Assert.Equal(900, all.Count);
        // Parquet.Net over every part file, the partition value taken back from its folder name as DuckDB does.
        var netAll = new HashSet<(string?, long)>();
        foreach (var file in Directory.GetFiles(outDir, "*.parquet", SearchOption.AllDirectories))
        {
            var server = Uri.UnescapeDataString(Path.GetFileName(Path.GetDirectoryName(file))!["server=".Length..]);
            foreach (var row in (await ParquetNetReader.ReadAsync(file)).Rows) netAll.Add((server, (long)row["requests"]!));
        }
        Assert.Equal(all, netAll);
    }

    [Fact]
    public async Task A_missing_value_in_a_required_column_fails_the_export()
    {
        var o = new ParquetOptions { Schema = new Dictionary<string, ColumnOverride> { ["cpu"] = new(null, null, true) } };
        var ex = await Assert.ThrowsAsync<ExportDataException>(() => WriteAsync(o, Rows(20)));
        Assert.Contains("'cpu' is required", ex.Message);
        Assert.Equal("formatOptions.schema.cpu", ex.Field); // a 400 on this option when found before the first byte
    }

    [Fact]
    public async Task A_partitioned_export_that_fails_leaves_no_files_behind()
    {
        var o = new ParquetOptions { PartitionBy = ["server"], Schema = new Dictionary<string, ColumnOverride> { ["cpu"] = new(null, null, true) } };
        var w = new ParquetRowWriter(Schema, Stream.Null, o);
        var buf = new RowBuffer(5);
        string? temp = null;
        var ex = Assert.Throws<ExportDataException>(() =>
        {
            foreach (var r in Rows(50).Skip(1)) // row 7 is the first without cpu
            {
                buf.Times[0] = r.Ts; buf.Strings[1] = r.Server; buf.Nulls[2] = r.Cpu is null; buf.Doubles[2] = r.Cpu ?? 0;
                buf.Longs[3] = r.Requests; buf.Nulls[4] = r.Note is null; buf.Strings[4] = r.Note;
                w.Write(buf);
            }
        });
        temp = w.TempDirectory;
        Assert.Contains("required", ex.Message);
        Assert.True(Directory.Exists(temp) && Directory.GetFiles(temp!).Length > 0, "partition files were being written");
        await w.DisposeAsync();
        Assert.False(Directory.Exists(temp));
    }

    [Fact]
    public void Options_are_validated_with_field_errors()
    {
        var errors = new Errors();
        var json = JsonDocument.Parse("""{"compression":"lzo","rowGroupSize":0,"schema":{"server":{"type":"int32"},"nope":{"name":"x"}},"partitionBy":["cpu"],"extra":1}""").RootElement;
        var o = ParquetOptions.Parse(json, errors);
        o.Validate(Schema, errors);
        var d = errors.ToDictionary();
        Assert.Contains("formatOptions.compression", d.Keys);
        Assert.Contains("formatOptions.rowGroupSize", d.Keys);
        Assert.Contains("formatOptions.extra", d.Keys);
        Assert.Contains("formatOptions.schema.server.type", d.Keys);
        Assert.Contains("formatOptions.schema.nope", d.Keys);
        Assert.Contains("formatOptions.partitionBy", d.Keys);
        Assert.Contains("deprecated by the Parquet format", d["formatOptions.compression"][0]);
    }

    [Theory]
    [InlineData("lz4", "lz4", null)]
    [InlineData("lz4_raw", "lz4", null)]
    [InlineData("LZO", null, "LZO is deprecated by the Parquet format")]
    [InlineData("lz4_hadoop", null, "compression must be none, snappy, gzip, brotli, zstd or lz4.")]
    public void Compression_names_are_canonical_and_lzo_is_refused_with_its_reason(string name, string? stored, string? error)
    {
        var errors = new Errors();
        var o = ParquetOptions.Parse(JsonDocument.Parse($$"""{"compression":"{{name}}"}""").RootElement, errors);
        var d = errors.ToDictionary();
        if (stored is not null)
        {
            Assert.False(errors.Any);
            Assert.Equal(stored, o.Compression);
            Assert.Equal(PageCodecs.Lz4Raw, PageCodecs.ByName[o.Compression]);
        }
        else Assert.Contains(error!, Assert.Single(d["formatOptions.compression"]));
    }

    [Theory]
    [InlineData("LZ4", "lz4", PageCodecs.Lz4Raw)]
    [InlineData("Lz4_Raw", "lz4", PageCodecs.Lz4Raw)]
    [InlineData("Snappy", "snappy", PageCodecs.Snappy)]
    [InlineData("ZSTD", "zstd", PageCodecs.Zstd)]
    [InlineData("GZip", "gzip", PageCodecs.Gzip)]
    [InlineData("BROTLI", "brotli", PageCodecs.Brotli)]
    [InlineData("None", "none", PageCodecs.Uncompressed)]
    public void Compression_names_are_accepted_in_any_letter_case_and_kept_lower_case(string name, string stored, int codec)
    {
        var errors = new Errors();
        var o = ParquetOptions.Parse(JsonDocument.Parse($$"""{"compression":"{{name}}"}""").RootElement, errors);
        Assert.False(errors.Any);
        Assert.Equal(stored, o.Compression);
        Assert.Equal(codec, PageCodecs.ByName[o.Compression]);
    }
}
