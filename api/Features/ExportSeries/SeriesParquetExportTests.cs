using System.IO.Compression;
using System.Text.Json;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.ExportSeries;

/// <summary>Parquet through the HTTP API, read back by DuckDB, hyparquet and Parquet.Net and compared with SQL over the
/// store.</summary>
[Collection(ApiCollection.Name)]
public sealed class SeriesParquetExportTests(ApiFixture api) : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("parquet-http-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task RawLongParquet_CountsAndSumsPerSeries_MatchSql()
    {
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromHours(6));
        var r = await api.Demo().PostJsonAsync("/api/v1/exports/series", new
        {
            source = "servers", metrics = new[] { "cpu_percent", "load_avg" }, granularity = "raw", format = "parquet",
            timeframe = new { from = from.ToString("O"), to = to.ToString("O") }, timezone = "Asia/Tokyo",
            formatOptions = new { compression = "zstd", rowGroupSize = 2000 },
        });
        Assert.Equal("application/vnd.apache.parquet", r.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith(".parquet", r.Content.Headers.ContentDisposition?.FileNameStar);
        var path = Path.Combine(_dir, "raw.parquet");
        await File.WriteAllBytesAsync(path, await r.Content.ReadAsByteArrayAsync());
        var read = await NodeReaders.ParquetAsync(path);
        var duck = read.GetProperty("duckdb");
        var rows = duck.GetProperty("rows").EnumerateArray().ToList();
        var expected = await api.RowsAsync($"""
            SELECT s.tags->>'server', s.metric, count(*), sum(p.value), min(p.ts) FROM points p JOIN series s ON s.id = p.series_id
            WHERE {ApiFixture.DemoServers} AND s.metric IN ('cpu_percent', 'load_avg') AND p.ts >= $1 AND p.ts < $2 GROUP BY 1, 2
            """, from, to);
        Assert.Equal(expected.Sum(e => (long)e[2]!), rows.Count);
        Assert.Equal(rows.Count, read.GetProperty("hyparquet").GetProperty("rows").GetArrayLength());
        var net = await ParquetNetReader.ReadAsync(path);
        net.AssertSameAs(duck);
        Assert.Equal(rows.Count, net.Rows.Count);
        foreach (var e in expected)
        {
            var mine = rows.Where(x => x.GetProperty("server").GetString() == (string)e[0]! && x.GetProperty("metric").GetString() == (string)e[1]!).ToList();
            Assert.Equal((long)e[2]!, mine.Count);
            Assert.Equal((double)e[3]!, mine.Sum(x => x.GetProperty("value").GetDouble()), 6);
            var firstMicros = (((DateTime)e[4]!).Ticks - DateTime.UnixEpoch.Ticks) / 10;
            Assert.Equal(firstMicros, mine.Min(x => x.GetProperty("time").GetInt64()));
            var netMine = net.Rows.Where(x => (string?)x["server"] == (string)e[0]! && (string?)x["metric"] == (string)e[1]!).ToList();
            Assert.Equal((long)e[2]!, netMine.Count);
            Assert.Equal((double)e[3]!, netMine.Sum(x => (double)x["value"]!), 6);
            Assert.Equal(firstMicros, netMine.Min(x => ParquetNetReader.Micros(x["time"])));
        }
        Assert.True(duck.GetProperty("file").GetProperty("num_row_groups").GetInt32() >= rows.Count / 2000);
        Assert.Equal("TIMESTAMP WITH TIME ZONE", duck.GetProperty("types").GetProperty("time").GetString());
        Assert.Equal("timestamp[micros,utc]", net.Column("time").Logical);
        Assert.True(net.RowGroupSizes.Count >= rows.Count / 2000);
        Assert.All(net.RowGroupSizes, n => Assert.True(n <= 2000, $"a row group of {n} rows"));
        var kv = duck.GetProperty("kv");
        Assert.Equal("servers", kv.GetProperty("exports.source").GetString());
        Assert.Equal("raw", kv.GetProperty("exports.tier").GetString());
        Assert.Equal("Asia/Tokyo", kv.GetProperty("exports.timezone").GetString());
        Assert.Equal("parquet", JsonDocument.Parse(kv.GetProperty("exports.request").GetString()!).RootElement.GetProperty("format").GetString());
        Assert.Equal("servers", net.Metadata["exports.source"]);
        Assert.Equal("raw", net.Metadata["exports.tier"]);
        Assert.Equal("Asia/Tokyo", net.Metadata["exports.timezone"]);
        Assert.Equal("parquet", JsonDocument.Parse(net.Metadata["exports.request"]).RootElement.GetProperty("format").GetString());
        Assert.All(duck.GetProperty("chunks").EnumerateArray(), c => Assert.Equal("ZSTD", c.GetProperty("compression").GetString()));
    }

    /// <summary>LZ4_RAW through the API: many row groups of small pages, every value read back by DuckDB, hyparquet and
    /// Parquet.Net equal to the point stored in PostgreSQL.</summary>
    [Fact]
    public async Task Lz4Parquet_EveryValue_MatchesSql_InEachReader()
    {
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromHours(3));
        var r = await api.Demo().PostJsonAsync("/api/v1/exports/series", new
        {
            source = "servers", metrics = new[] { "cpu_percent", "load_avg" }, granularity = "raw", format = "parquet",
            timeframe = new { from = from.ToString("O"), to = to.ToString("O") },
            formatOptions = new { compression = "lz4", rowGroupSize = 1500, pageSize = 1024 },
        });
        Assert.Equal("application/vnd.apache.parquet", r.Content.Headers.ContentType?.MediaType);
        var path = Path.Combine(_dir, "lz4.parquet");
        await File.WriteAllBytesAsync(path, await r.Content.ReadAsByteArrayAsync());
        var sql = await api.RowsAsync($"""
            SELECT p.ts, s.tags->>'server', s.metric, p.value FROM points p JOIN series s ON s.id = p.series_id
            WHERE {ApiFixture.DemoServers} AND s.metric IN ('cpu_percent', 'load_avg') AND p.ts >= $1 AND p.ts < $2
            """, from, to);
        static long Micros(DateTime t) => (t.Ticks - DateTime.UnixEpoch.Ticks) / 10;
        var expected = sql.ToDictionary(e => (Micros((DateTime)e[0]!), (string)e[1]!, (string)e[2]!), e => (double)e[3]!);
        Assert.True(expected.Count > 3000, $"{expected.Count} points: enough for several row groups");

        void AssertEvery(IEnumerable<(long Time, string Server, string Metric, double Value)> got, string reader)
        {
            var seen = new HashSet<(long, string, string)>();
            foreach (var g in got)
            {
                Assert.True(seen.Add((g.Time, g.Server, g.Metric)), $"{reader}: {g} twice");
                Assert.True(expected.TryGetValue((g.Time, g.Server, g.Metric), out var v), $"{reader}: {g} is not in the store");
                Assert.Equal(v, g.Value);
            }
            Assert.Equal(expected.Count, seen.Count);
        }
        var read = await NodeReaders.ParquetAsync(path);
        var duck = read.GetProperty("duckdb");
        AssertEvery(duck.GetProperty("rows").EnumerateArray().Select(x => (x.GetProperty("time").GetInt64(),
            x.GetProperty("server").GetString()!, x.GetProperty("metric").GetString()!, x.GetProperty("value").GetDouble())), "DuckDB");
        AssertEvery(read.GetProperty("hyparquet").GetProperty("rows").EnumerateArray().Select(x => (
            Micros(DateTime.Parse(x.GetProperty("time").GetString()!, null, System.Globalization.DateTimeStyles.AdjustToUniversal)),
            x.GetProperty("server").GetString()!, x.GetProperty("metric").GetString()!, x.GetProperty("value").GetDouble())), "hyparquet");
        var net = await ParquetNetReader.ReadAsync(path);
        AssertEvery(net.Rows.Select(x => (ParquetNetReader.Micros(x["time"]), (string)x["server"]!, (string)x["metric"]!, (double)x["value"]!)), "Parquet.Net");
        Assert.Equal((expected.Count + 1499) / 1500, duck.GetProperty("file").GetProperty("num_row_groups").GetInt32());
        Assert.All(duck.GetProperty("chunks").EnumerateArray(), c => Assert.Equal("LZ4_RAW", c.GetProperty("compression").GetString()));
        Assert.All(duck.GetProperty("chunks").EnumerateArray().Where(c => c.GetProperty("path_in_schema").GetString() == "value"),
            c => Assert.True(c.GetProperty("total_uncompressed_size").GetInt64() > 4 * 1024, "the value chunk spans several pages"));
    }

    [Fact]
    public async Task PartitionedParquet_IsAZipOfHiveFolders_WithEveryRow()
    {
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromHours(2));
        var r = await api.Demo().PostJsonAsync("/api/v1/exports/series", new
        {
            source = "servers", metrics = new[] { "memory_percent" }, granularity = "raw", format = "parquet",
            timeframe = new { from = from.ToString("O"), to = to.ToString("O") },
            formatOptions = new { partitionBy = new[] { "server" } },
        });
        Assert.Equal("application/zip", r.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith(".zip", r.Content.Headers.ContentDisposition?.FileNameStar);
        var zipPath = Path.Combine(_dir, "parts.zip");
        await File.WriteAllBytesAsync(zipPath, await r.Content.ReadAsByteArrayAsync());
        var outDir = Path.Combine(_dir, "parts");
        ZipFile.ExtractToDirectory(zipPath, outDir);
        var servers = await api.RowsAsync($"""
            SELECT s.tags->>'server', count(*) FROM points p JOIN series s ON s.id = p.series_id
            WHERE {ApiFixture.DemoServers} AND s.metric = 'memory_percent' AND p.ts >= $1 AND p.ts < $2 GROUP BY 1 ORDER BY 1
            """, from, to);
        Assert.Equal(servers.Select(s => $"server={s[0]}"), Directory.GetDirectories(outDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var hive = (await NodeReaders.ParquetHiveAsync(Path.Combine(outDir, "*", "*.parquet"))).GetProperty("duckdb");
        var rows = hive.GetProperty("rows").EnumerateArray().ToList();
        foreach (var s in servers)
            Assert.Equal((long)s[1]!, rows.Count(x => x.GetProperty("server").GetString() == (string)s[0]!));
        // Parquet.Net over each part file: the same counts, and the same rows as DuckDB reads from that one file.
        foreach (var s in servers)
        {
            var file = Assert.Single(Directory.GetFiles(Path.Combine(outDir, $"server={s[0]}"), "*.parquet"));
            var net = await ParquetNetReader.ReadAsync(file);
            Assert.Equal((long)s[1]!, net.Rows.Count);
            Assert.DoesNotContain("server", net.Columns.Select(c => c.Name));
            net.AssertSameAs((await NodeReaders.ParquetAsync(file)).GetProperty("duckdb"), "server");
        }
    }

    [Fact]
    public async Task BadParquetOptions_AreFieldErrors_BeforeAnyByte()
    {
        var lzo = await (await api.Demo().PostJsonAsync("/api/v1/exports/series", new
        {
            source = "servers", metrics = new[] { "cpu_percent" }, timeframe = new { last = "1h" }, format = "parquet",
            formatOptions = new { compression = "lzo" },
        })).ProblemAsync(400, "formatOptions.compression");
        var reason = lzo.GetProperty("errors").GetProperty("formatOptions.compression")[0].GetString()!;
        Assert.Contains("deprecated by the Parquet format", reason);
        Assert.Contains("use zstd, snappy or lz4", reason);
        var problem = await (await api.Demo().PostJsonAsync("/api/v1/exports/series", new
        {
            source = "servers", metrics = new[] { "cpu_percent" }, timeframe = new { last = "1h" }, format = "parquet",
            formatOptions = new { partitionBy = new[] { "value" }, schema = new { time = new { type = "int32" } } },
        })).ProblemAsync(400, "formatOptions.partitionBy");
        Assert.Contains("timestamp, date", problem.GetProperty("errors").GetProperty("formatOptions.schema.time.type")[0].GetString());
    }
}
