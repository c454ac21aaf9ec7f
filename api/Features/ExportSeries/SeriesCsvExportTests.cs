using System.Text;
using Exports.Tests.Infrastructure;
using static Exports.Tests.Infrastructure.Files;

namespace Exports.Tests.Features.ExportSeries;

/// <summary>CSV and TSV exports of the seeded servers and agent-commands, read back with CsvHelper and compared
/// with the same numbers computed directly in SQL.</summary>
[Collection(ApiCollection.Name)]
public sealed class SeriesCsvExportTests(ApiFixture api)
{
    [Fact]
    public async Task RawLongCsv_CountsAndSumsPerServer_MatchSql()
    {
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromHours(6));
        var r = await api.Demo().PostJsonAsync("/api/v1/exports/series", new
        {
            source = "servers", metrics = new[] { "cpu_percent", "load_avg" },
            timeframe = new { from = from.ToString("O"), to = to.ToString("O") }, granularity = "raw", format = "csv",
        });
        Assert.Equal("text/csv", r.Content.Headers.ContentType?.MediaType);
        var rows = ReadCsv(await r.Content.ReadAsStringAsync());
        Assert.Equal(["time", "metric", "region", "server", "value"], rows[0].Keys);
        var expected = await api.RowsAsync($"""
            SELECT s.tags->>'server', s.metric, count(*), sum(p.value) FROM points p JOIN series s ON s.id = p.series_id
            WHERE {ApiFixture.DemoServers} AND s.metric IN ('cpu_percent', 'load_avg') AND p.ts >= $1 AND p.ts < $2 GROUP BY 1, 2
            """, from, to);
        Assert.Equal(expected.Sum(e => (long)e[2]!), rows.Count);
        foreach (var e in expected)
        {
            var mine = rows.Where(x => x["server"] == (string)e[0]! && x["metric"] == (string)e[1]!).ToList();
            Assert.Equal((long)e[2]!, mine.Count);
            Assert.Equal((double)e[3]!, mine.Sum(x => D(x["value"])), 6);
        }
        // web-03's gap: timestamps parse as ISO-8601 with an offset and are in order within a series.
        var times = rows.Where(x => x["server"] == "web-01" && x["metric"] == "cpu_percent").Select(x => DateTimeOffset.Parse(x["time"])).ToList();
        Assert.Equal(times.Order(), times);
    }

    [Fact]
    public async Task HourlyAggregates_WithPercentiles_MatchSqlOverRawPoints()
    {
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromHours(24));
        var r = await api.Demo().PostJsonAsync("/api/v1/exports/series", new
        {
            source = "servers", metrics = new[] { "cpu_percent" }, granularity = "1h", groupBy = new[] { "server" },
            aggregations = new[] { "count", "avg", "max", "p95" },
            timeframe = new { from = from.ToString("O"), to = to.ToString("O") }, timezone = "UTC",
            filter = new { field = "server", op = "in", value = new[] { "db-01", "web-02" } },
        });
        var rows = ReadCsv(await r.Content.ReadAsStringAsync());
        Assert.Equal(["time", "metric", "server", "count", "avg", "max", "p95"], rows[0].Keys);
        Assert.Equal(["db-01", "web-02"], rows.Select(x => x["server"]).Distinct().Order());
        var expected = await api.RowsAsync($"""
            SELECT s.tags->>'server', date_trunc('hour', p.ts, 'UTC'), count(*), avg(p.value), max(p.value),
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY p.value)
            FROM points p JOIN series s ON s.id = p.series_id
            WHERE {ApiFixture.DemoServers} AND s.metric = 'cpu_percent' AND s.tags->>'server' IN ('db-01', 'web-02') AND p.ts >= $1 AND p.ts < $2
            GROUP BY 1, 2
            """, from, to);
        Assert.Equal(expected.Count, rows.Count);
        foreach (var e in expected)
        {
            var bucket = (DateTime)e[1]!;
            var row = rows.Single(x => x["server"] == (string)e[0]! && DateTimeOffset.Parse(x["time"]).UtcDateTime == bucket);
            Assert.Equal((long)e[2]!, long.Parse(row["count"]));
            Assert.Equal((double)e[3]!, D(row["avg"]), 9);
            Assert.Equal((double)e[4]!, D(row["max"]), 9);
            Assert.Equal((double)e[5]!, D(row["p95"]), 9);
        }
    }

    [Fact]
    public async Task WidePivot_HasOneColumnPerMetric_AndValuesMatchSql()
    {
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromHours(2));
        var r = await api.Demo().GetAsync($"/api/v1/sources/servers/export?from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}&metrics=cpu_percent,memory_percent&shape=wide&granularity=raw");
        var rows = ReadCsv(await r.Content.ReadAsStringAsync());
        Assert.Equal(["time", "region", "server", "cpu_percent", "memory_percent"], rows[0].Keys);
        var expected = await api.RowsAsync($"""
            SELECT count(DISTINCT (p.ts, s.tags->>'server')), sum(p.value) FILTER (WHERE s.metric = 'memory_percent')
            FROM points p JOIN series s ON s.id = p.series_id
            WHERE {ApiFixture.DemoServers} AND s.metric IN ('cpu_percent', 'memory_percent') AND p.ts >= $1 AND p.ts < $2
            """, from, to);
        Assert.Equal((long)expected[0][0]!, rows.Count);
        Assert.Equal((double)expected[0][1]!, rows.Sum(x => D(x["memory_percent"])), 6);
        Assert.Equal(10, rows.Select(x => x["server"]).Distinct().Count());
    }

    [Fact]
    public async Task AutoGranularity_ThirtyDays_ReadsHourlyTier_AndCountsMatchRaw()
    {
        // The range starts and ends inside an hour: the partial hours count too (from raw points), nothing more.
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromDays(30));
        var req = new
        {
            source = "servers", metrics = new[] { "disk_percent" }, timeframe = new { from = from.ToString("O"), to = to.ToString("O") },
            aggregations = new[] { "count", "min" }, groupBy = Array.Empty<string>(),
        };
        var preview = await (await api.Demo().PostJsonAsync("/api/v1/exports/series/preview", req)).JsonAsync();
        Assert.Equal("hourly", preview.GetProperty("tier").GetString());
        Assert.Equal("1h", preview.GetProperty("granularity").GetString());
        var full = await api.Demo().PostJsonAsync("/api/v1/exports/series", req);
        var rows = ReadCsv(await full.Content.ReadAsStringAsync());
        const string range = "FROM points p JOIN series s ON s.id = p.series_id WHERE s.metric = 'disk_percent' AND p.ts >= $1 AND p.ts < $2 AND " +
            ApiFixture.DemoServers;
        Assert.Equal(await api.ScalarAsync<long>("SELECT count(p.value) " + range, from, to), rows.Sum(x => long.Parse(x["count"])));
        Assert.Equal(await api.ScalarAsync<double>("SELECT min(p.value) " + range, from, to), rows.Min(x => D(x["min"])), 9);
    }

    [Fact]
    public async Task RecordsDailyCounts_ByStatus_MatchSql_InBerlinDays()
    {
        var r = await api.Demo().PostJsonAsync("/api/v1/exports/series", new
        {
            source = "agent-commands", timeframe = new { last = "10d" }, timezone = "Europe/Berlin", granularity = "1d",
            groupBy = new[] { "status" }, aggregations = new[] { "count", "p90" }, fields = new[] { "duration_ms" }, format = "tsv",
        });
        Assert.Equal("text/tab-separated-values", r.Content.Headers.ContentType?.MediaType);
        var rows = ReadCsv(await r.Content.ReadAsStringAsync(), "\t");
        Assert.Equal(["time", "status", "count", "duration_ms_p90"], rows[0].Keys);
        var first = DateTimeOffset.Parse(rows.Min(x => x["time"])!);
        Assert.Equal(TimeSpan.Zero, first.DateTime.TimeOfDay); // Berlin midnight
        var exported = rows.Where(x => DateTimeOffset.Parse(x["time"]) > first).ToList(); // whole days only
        var expected = await api.RowsAsync("""
            SELECT date_trunc('day', ts, 'Europe/Berlin') d, data->>'status', count(*),
                   percentile_cont(0.9) WITHIN GROUP (ORDER BY (data->>'duration_ms')::float8)
            FROM records WHERE ts >= $1 AND ts < $2 AND source_id = (SELECT src.id FROM sources src JOIN users u ON u.id = src.owner_id
                WHERE u.email = 'demo@exports.local' AND src.name = 'agent-commands') GROUP BY 1, 2
            """, exported.Min(x => DateTimeOffset.Parse(x["time"])).UtcDateTime, DateTimeOffset.Parse(exported.Max(x => x["time"])!).UtcDateTime);
        foreach (var e in expected)
        {
            var row = exported.Single(x => DateTimeOffset.Parse(x["time"]).UtcDateTime == (DateTime)e[0]! && x["status"] == (string)e[1]!);
            Assert.Equal((long)e[2]!, long.Parse(row["count"]));
            Assert.Equal((double)e[3]!, D(row["duration_ms_p90"]), 6);
        }
    }

    [Fact]
    public async Task CsvOptions_SemicolonDecimalCommaBomCustomHeaders_AreApplied()
    {
        // The seeded data's last 30 minutes (a "last 30m" range would hold fewer rows the longer the run has taken).
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromMinutes(30));
        var r = await api.Demo().PostJsonAsync("/api/v1/exports/series", new
        {
            source = "servers", metrics = new[] { "load_avg" }, timeframe = new { from = from.ToString("O"), to = to.ToString("O") },
            filter = new { field = "server", op = "eq", value = "db-02" },
            columns = new { include = new[] { "time", "server", "value" }, rename = new Dictionary<string, string> { ["value"] = "load" } },
            format = "csv",
            formatOptions = new
            {
                delimiter = ";", decimalSeparator = ",", decimals = 2, encoding = "utf-8-bom", lineTerminator = "\r\n",
                dateFormat = "yyyy-MM-dd HH:mm", header = "custom", headers = new[] { "Zeit", "Server", "Last" },
            },
            filename = "../../etc/passwd",
        });
        var bytes = await r.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var text = Encoding.UTF8.GetString(bytes[3..]);
        Assert.StartsWith("Zeit;Server;Last\r\n", text);
        var lines = text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines.Skip(1), l => Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d;db-02;\d+,\d{2}$", l));
        Assert.InRange(lines.Length - 1, 28, 31);
        var read = ReadCsv(text, ";");
        Assert.Equal(lines.Length - 1, read.Count);
        Assert.All(read, row => Assert.Equal(["Zeit", "Server", "Last"], row.Keys));
        Assert.All(read, row => Assert.Equal("db-02", row["Server"]));
        var cd = r.Content.Headers.ContentDisposition!;
        Assert.Equal("etc_passwd.csv", cd.FileNameStar);
        Assert.Equal("etc_passwd.csv", cd.FileName?.Trim('"'));
    }

    [Fact]
    public async Task Utf16Encoding_DecodesToTheSameRowsAsUtf8()
    {
        // One absolute range for both requests: "last 1h" would move between them.
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromHours(1));
        object Req(string enc) => new
        {
            source = "agent-commands", timeframe = new { from = from.ToString("O"), to = to.ToString("O") }, fields = new[] { "agent", "command", "exit_code" },
            format = "csv", formatOptions = new { encoding = enc },
        };
        var utf8 = await (await api.Demo().PostJsonAsync("/api/v1/exports/series", Req("utf-8"))).Content.ReadAsByteArrayAsync();
        var r16 = await api.Demo().PostJsonAsync("/api/v1/exports/series", Req("utf-16"));
        Assert.Equal("utf-16", r16.Content.Headers.ContentType?.CharSet);
        var utf16 = await r16.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0xFF, 0xFE }, utf16[..2]);
        Assert.Equal(Encoding.UTF8.GetString(utf8), Encoding.Unicode.GetString(utf16[2..]));
        Assert.True(ReadCsv(Encoding.UTF8.GetString(utf8)).Count > 100);
    }
}
