using System.Text;
using System.Text.Json;
using Exports.Tests.Infrastructure;
using static Exports.Tests.Infrastructure.Files;

namespace Exports.Tests.Features.ExportSeries;

/// <summary>JSON (flat, nested, normalized), JSONL and every compression, parsed back and checked against SQL.</summary>
[Collection(ApiCollection.Name)]
public sealed class SeriesJsonExportTests(ApiFixture api)
{
    async Task<Dictionary<string, (long Count, double Sum)>> SqlPerServerAsync(string metric, DateTime from, DateTime to)
    {
        var rows = await api.RowsAsync($"""
            SELECT s.tags->>'server', count(p.value), sum(p.value) FROM points p JOIN series s ON s.id = p.series_id
            WHERE {ApiFixture.DemoServers} AND s.metric = $1 AND p.ts >= $2 AND p.ts < $3 GROUP BY 1
            """, metric, from, to);
        return rows.ToDictionary(r => (string)r[0]!, r => ((long)r[1]!, (double)r[2]!));
    }

    object Request(DateTime from, DateTime to, string format, object? options = null, string? compression = null, string shape = "long") => new
    {
        source = "servers", metrics = new[] { "net_in_mbps" }, shape,
        timeframe = new { from = from.ToString("O"), to = to.ToString("O") }, format, formatOptions = options, compression,
    };

    [Fact]
    public async Task FlatJson_WithMetadata_MatchesSql()
    {
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromMinutes(90));
        var r = await api.Demo().PostJsonAsync("/api/v1/exports/series", Request(from, to, "json", new { pretty = true }));
        Assert.Equal("application/json", r.Content.Headers.ContentType?.MediaType);
        var doc = await r.JsonAsync();
        var meta = doc.GetProperty("meta");
        Assert.Equal("raw", meta.GetProperty("tier").GetString());
        Assert.Equal("servers", meta.GetProperty("source").GetString());
        Assert.Equal("UTC", meta.GetProperty("timezone").GetString());
        Assert.Equal("net_in_mbps", meta.GetProperty("request").GetProperty("metrics")[0].GetString());
        var data = doc.GetProperty("data").EnumerateArray().ToList();
        var expected = await SqlPerServerAsync("net_in_mbps", from, to);
        foreach (var (server, (count, sum)) in expected)
        {
            var mine = data.Where(d => d.GetProperty("server").GetString() == server).ToList();
            Assert.Equal(count, mine.Count);
            Assert.Equal(sum, mine.Sum(d => d.GetProperty("value").GetDouble()), 6);
        }
    }

    [Fact]
    public async Task NestedJson_GroupsPointsUnderEachSeries()
    {
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromMinutes(60));
        var doc = await (await api.Demo().PostJsonAsync("/api/v1/exports/series", Request(from, to, "json", new { style = "nested", metadata = false }))).JsonAsync();
        var series = doc.GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(10, series.Count);
        Assert.Equal(10, series.Select(s => s.GetProperty("server").GetString()).Distinct().Count());
        var expected = await SqlPerServerAsync("net_in_mbps", from, to);
        foreach (var s in series)
        {
            Assert.Equal("net_in_mbps", s.GetProperty("metric").GetString());
            var points = s.GetProperty("points").EnumerateArray().ToList();
            var (count, sum) = expected[s.GetProperty("server").GetString()!];
            Assert.Equal(count, points.Count);
            Assert.Equal(sum, points.Sum(p => p.GetProperty("value").GetDouble()), 6);
            Assert.False(points[0].TryGetProperty("server", out _));
        }
    }

    [Fact]
    public async Task NormalizedJson_PointsReferToSeriesById()
    {
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromMinutes(30));
        var doc = await (await api.Demo().PostJsonAsync("/api/v1/exports/series", Request(from, to, "json", new { style = "normalized", dateFormat = "unix" }))).JsonAsync();
        Assert.Equal(["series", "time", "value"], doc.GetProperty("columns").EnumerateArray().Select(c => c.GetString()));
        var series = doc.GetProperty("series").EnumerateArray().ToDictionary(s => s.GetProperty("id").GetInt32(), s => s.GetProperty("server").GetString()!);
        var points = doc.GetProperty("points").EnumerateArray().ToList();
        var expected = await SqlPerServerAsync("net_in_mbps", from, to);
        Assert.Equal(expected.Values.Sum(v => v.Count), points.Count);
        foreach (var group in points.GroupBy(p => series[p[0].GetInt32()]))
            Assert.Equal(expected[group.Key].Sum, group.Sum(p => p[2].GetDouble()), 6);
        var t = points[0][1].GetInt64();
        Assert.InRange(t, new DateTimeOffset(from).ToUnixTimeSeconds(), new DateTimeOffset(to).ToUnixTimeSeconds());
    }

    [Theory]
    [InlineData("gzip", ".jsonl.gz", "application/gzip")]
    [InlineData("brotli", ".jsonl.br", "application/x-brotli")]
    [InlineData("zstd", ".jsonl.zst", "application/zstd")]
    [InlineData("none", ".jsonl", "application/x-ndjson")]
    public async Task Jsonl_EveryCompression_DecodesToTheSameRows(string codec, string ext, string media)
    {
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromMinutes(120));
        var r = await api.Demo().PostJsonAsync("/api/v1/exports/series", Request(from, to, "jsonl", compression: codec));
        Assert.Equal(media, r.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith(ext, r.Content.Headers.ContentDisposition!.FileNameStar);
        var text = Encoding.UTF8.GetString(Decompress(await r.Content.ReadAsByteArrayAsync(), codec));
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var expected = await SqlPerServerAsync("net_in_mbps", from, to);
        Assert.Equal(expected.Values.Sum(v => v.Count), lines.Count);
        Assert.Equal(expected.Values.Sum(v => v.Sum), lines.Sum(l => l.GetProperty("value").GetDouble()), 5);
    }

    [Fact]
    public async Task NullsExcluded_AndFormulaGuard_OnRecordsWithHostileText()
    {
        var (_, client) = await api.NewUserAsync();
        await client.PostJsonAsync("/api/v1/sources", new
        {
            name = "events", kind = "records",
            fields = new object[]
            {
                new { name = "note", role = "dimension", type = "string" },
                new { name = "ms", role = "measure", type = "double" },
            },
        });
        var ingest = await client.PostJsonAsync("/api/v1/sources/events/records", new object[]
        {
            new { timestamp = "2026-01-01T10:00:00Z", note = "=HYPERLINK(\"http://x\")", ms = 1.5 },
            new { timestamp = "2026-01-01T10:01:00Z", note = "plain, with comma" },
            new { timestamp = "2026-01-01T10:02:00Z", note = "@SUM(A1)", ms = -2 },
        });
        Assert.True(ingest.IsSuccessStatusCode, await ingest.Content.ReadAsStringAsync());
        var tf = new { from = "2026-01-01T00:00:00Z", to = "2026-01-02T00:00:00Z" };
        var csv = await (await client.PostJsonAsync("/api/v1/exports/series", new { source = "events", timeframe = tf, format = "csv" })).Content.ReadAsStringAsync();
        var rows = ReadCsv(csv);
        Assert.Equal("'=HYPERLINK(\"http://x\")", rows[0]["note"]);
        Assert.Equal("plain, with comma", rows[1]["note"]);
        Assert.Equal("", rows[1]["ms"]);
        Assert.Equal("'@SUM(A1)", rows[2]["note"]);
        Assert.Equal("-2", rows[2]["ms"]);
        var jsonl = await (await client.PostJsonAsync("/api/v1/exports/series", new { source = "events", timeframe = tf, format = "jsonl", formatOptions = new { nulls = "exclude" } })).Content.ReadAsStringAsync();
        var second = JsonDocument.Parse(jsonl.Split('\n')[1]).RootElement;
        Assert.False(second.TryGetProperty("ms", out _));
        Assert.Equal("=HYPERLINK(\"http://x\")", JsonDocument.Parse(jsonl.Split('\n')[0]).RootElement.GetProperty("note").GetString());
    }
}
