using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Exports.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Exports.Tests.Features.ExportSeries;

/// <summary>Issue 14: auto granularity fits the range (a grouped or aggregated request gets buckets, never raw), the
/// preview names the bucket and the file, and its chart covers the whole range and every series.</summary>
[Collection(ApiCollection.Name)]
public sealed class AutoBucketAndChartTests(ApiFixture api)
{
    const string Demo = ApiFixture.DemoServers;

    [Fact]
    public async Task AutoWithGroupBy_Over24h_Exports15mBuckets_EqualToSql_AndSaysSo()
    {
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromHours(24));
        var req = new
        {
            source = "servers", metrics = new[] { "cpu_percent" }, granularity = "auto", groupBy = new[] { "server" }, format = "csv",
            timeframe = new { from = from.ToString("O"), to = to.ToString("O") },
        };
        var preview = await (await api.Demo().PostJsonAsync("/api/v1/exports/series/preview", req)).JsonAsync();
        Assert.Equal("15m", preview.GetProperty("granularity").GetString());
        var r = await api.Demo().PostJsonAsync("/api/v1/exports/series", req);
        Assert.Equal(System.Net.HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("15m", r.Headers.GetValues("Export-Granularity").Single());
        Assert.Equal(preview.GetProperty("fileName").GetString(), r.Content.Headers.ContentDisposition!.FileNameStar ?? r.Content.Headers.ContentDisposition.FileName);

        var rows = Files.ReadCsv(Encoding.UTF8.GetString(await r.Content.ReadAsByteArrayAsync()));
        var sql = await api.RowsAsync($"""
            SELECT date_bin('15 minutes', p.ts, '2000-01-03 00:00Z'::timestamptz), s.tags->>'server', avg(p.value::text::numeric)::float8
            FROM points p JOIN series s ON s.id = p.series_id
            WHERE {Demo} AND s.metric = 'cpu_percent' AND p.ts >= $1 AND p.ts < $2 GROUP BY 1, 2 ORDER BY 2, 1
            """, from, to);
        Assert.Equal(sql.Count, rows.Count);
        Assert.InRange(rows.Count, 10 * 96, 10 * 97); // ten servers, 96 or 97 quarter hours (the range may start off a boundary)
        var byKey = rows.ToDictionary(x => (DateTimeOffset.Parse(x["time"]).UtcDateTime, x["server"]), x => Files.D(x["avg"]));
        foreach (var s in sql)
            Assert.Equal((double)s[2]!, byKey[(((DateTime)s[0]!).ToUniversalTime(), (string)s[1]!)], 9);
    }

    [Theory]
    [InlineData("45m", "1m")]
    [InlineData("6h", "5m")]
    [InlineData("24h", "15m")]
    [InlineData("3d", "1h")]
    public async Task AutoWithAggregations_ChoosesABucketThatFitsTheRange(string last, string bucket)
    {
        var req = new { source = "servers", metrics = new[] { "load_avg" }, aggregations = new[] { "max" }, timeframe = new { last }, format = "csv" };
        var preview = await (await api.Demo().PostJsonAsync("/api/v1/exports/series/preview", req)).JsonAsync();
        Assert.Equal(bucket, preview.GetProperty("granularity").GetString());
        Assert.Equal(["time", "metric", "region", "server", "max"], preview.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        // Without grouping or aggregations, auto still reads raw points up to a day.
        var plain = await (await api.Demo().PostJsonAsync("/api/v1/exports/series/preview", new { source = "servers", timeframe = new { last = "24h" } })).JsonAsync();
        Assert.Equal("raw", plain.GetProperty("granularity").GetString());
    }

    [Fact]
    public async Task PreviewChart_CoversTheWholeRangeAndEverySeries_MinMaxPerColumnEqualSqlOnRawPoints()
    {
        const int width = 200;
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromDays(2));
        var req = new
        {
            source = "servers", metrics = new[] { "cpu_percent", "memory_percent" }, granularity = "raw", format = "csv",
            timeframe = new { from = from.ToString("O"), to = to.ToString("O") },
        };
        var preview = await (await api.Demo().PostJsonAsync($"/api/v1/exports/series/preview?chartWidth={width}", req)).JsonAsync();
        Assert.Equal(100, preview.GetProperty("rows").GetArrayLength()); // the table stays the first 100 rows
        var chart = preview.GetProperty("chart");
        Assert.Equal(width, chart.GetProperty("width").GetInt32());
        Assert.Equal(20, chart.GetProperty("seriesTotal").GetInt32());

        // Expected: every raw point, put in its column with integer arithmetic on ticks.
        var points = await api.RowsAsync($"""
            SELECT s.metric, s.tags->>'region', s.tags->>'server', p.ts, p.value FROM points p JOIN series s ON s.id = p.series_id
            WHERE {Demo} AND s.metric IN ('cpu_percent', 'memory_percent') AND p.ts >= $1 AND p.ts < $2
            """, from, to);
        var spanTicks = (to - from).Ticks;
        var expected = points.GroupBy(p => $"{p[0]} · {p[1]}, {p[2]}").ToDictionary(g => g.Key, g => g
            .GroupBy(p => (int)((((DateTime)p[3]!).ToUniversalTime() - from).Ticks * width / spanTicks))
            .ToDictionary(c => c.Key, c => (Min: c.Min(p => (double)p[4]!), Max: c.Max(p => (double)p[4]!))));

        var series = chart.GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(expected.Keys.Order(), series.Select(s => s.GetProperty("name").GetString()!).Order());
        foreach (var s in series)
        {
            var exp = expected[s.GetProperty("name").GetString()!];
            var cols = s.GetProperty("columns").EnumerateArray().Select(c => c.GetInt32()).ToList();
            Assert.Equal(exp.Keys.Order(), cols);
            Assert.Equal(0, cols[0]);
            Assert.Equal(width - 1, cols[^1]); // the whole range, not the first rows
            var mins = s.GetProperty("min").EnumerateArray().ToList();
            var maxs = s.GetProperty("max").EnumerateArray().ToList();
            for (var i = 0; i < cols.Count; i++)
            {
                Assert.Equal(exp[cols[i]].Min, mins[i].GetDouble());
                Assert.Equal(exp[cols[i]].Max, maxs[i].GetDouble());
            }
        }
    }

    [Fact]
    public async Task PreviewChart_OfGroupedBuckets_HasOneSeriesPerGroup_WithTheExportsValues()
    {
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromDays(7));
        var req = new
        {
            source = "servers", metrics = new[] { "cpu_percent", "net_in_mbps" }, granularity = "1h", groupBy = new[] { "server" }, aggregations = new[] { "avg" },
            filter = new { field = "region", op = "eq", value = "eu-west" }, format = "csv",
            timeframe = new { from = from.ToString("O"), to = to.ToString("O") },
        };
        // 168 hourly buckets in 2000 columns: a column holds one bucket, except column 0, which also takes the bucket
        // that starts before the range (cut by it), so its min and max may be two buckets'.
        const int width = 2000;
        var preview = await (await api.Demo().PostJsonAsync($"/api/v1/exports/series/preview?chartWidth={width}", req)).JsonAsync();
        var csv = Files.ReadCsv(Encoding.UTF8.GetString(await (await api.Demo().PostJsonAsync("/api/v1/exports/series", req)).Content.ReadAsByteArrayAsync()));
        var span = (to - from).Ticks;
        var expected = csv.GroupBy(x => $"{x["metric"]} avg · {x["server"]}").ToDictionary(g => g.Key, g => g
            .GroupBy(x => (int)Math.Max(0, (DateTimeOffset.Parse(x["time"]).UtcDateTime - from).Ticks * width / span))
            .ToDictionary(c => c.Key, c => (Min: c.Min(x => Files.D(x["avg"])), Max: c.Max(x => Files.D(x["avg"])))));
        var series = preview.GetProperty("chart").GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(10, series.Count); // two metrics of the five eu-west servers
        Assert.Equal(expected.Keys.Order(), series.Select(s => s.GetProperty("name").GetString()!).Order());
        foreach (var s in series)
        {
            var exp = expected[s.GetProperty("name").GetString()!];
            var cols = s.GetProperty("columns").EnumerateArray().Select(c => c.GetInt32()).ToList();
            Assert.Equal(exp.Keys.Order(), cols);
            for (var i = 0; i < cols.Count; i++)
            {
                Assert.Equal(exp[cols[i]].Min, s.GetProperty("min")[i].GetDouble(), 9);
                Assert.Equal(exp[cols[i]].Max, s.GetProperty("max")[i].GetDouble(), 9);
            }
        }
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("15")]
    [InlineData("2001")]
    [InlineData("-5")]
    public async Task PreviewChart_BadWidth_IsAFieldError(string width)
    {
        var p = await (await api.Demo().PostJsonAsync($"/api/v1/exports/series/preview?chartWidth={width}",
            new { source = "servers", timeframe = new { last = "1h" } })).ProblemAsync(400, "chartWidth");
        Assert.Contains("16 to 2000", p.GetProperty("errors").GetProperty("chartWidth")[0].GetString());
    }

    /// <summary>Records grouped with auto: hourly buckets over a week, never raw; the chart has one series per status
    /// whose min and max per column are those of SQL's hourly counts in that column.</summary>
    [Fact]
    public async Task RecordsGroupedWithAuto_GetHourlyBuckets_AndTheChartsColumnsEqualSql()
    {
        const int width = 100;
        const string demo = "src.owner_id = (SELECT id FROM users WHERE email = 'demo@exports.local') AND src.name = 'agent-commands'";
        var to = (await api.ScalarAsync<DateTime>($"SELECT max(r.ts) FROM records r JOIN sources src ON src.id = r.source_id WHERE {demo}")).AddMinutes(1);
        var from = to.AddDays(-7);
        var req = new
        {
            source = "agent-commands", groupBy = new[] { "status" }, aggregations = new[] { "count" }, format = "csv",
            timeframe = new { from = from.ToString("O"), to = to.ToString("O") },
        };
        var preview = await (await api.Demo().PostJsonAsync($"/api/v1/exports/series/preview?chartWidth={width}", req)).JsonAsync();
        Assert.Equal("1h", preview.GetProperty("granularity").GetString());

        var hours = await api.RowsAsync($"""
            SELECT date_trunc('hour', r.ts, 'UTC'), r.data->>'status', count(*) FROM records r JOIN sources src ON src.id = r.source_id
            WHERE {demo} AND r.ts >= $1 AND r.ts < $2 GROUP BY 1, 2
            """, from, to);
        var span = (to - from).Ticks;
        var expected = hours.GroupBy(h => $"count · {h[1]}").ToDictionary(g => g.Key, g => g
            .GroupBy(h => (int)Math.Max(0, (((DateTime)h[0]!).ToUniversalTime() - from).Ticks * width / span))
            .ToDictionary(c => c.Key, c => (Min: c.Min(h => (long)h[2]!), Max: c.Max(h => (long)h[2]!))));
        var series = preview.GetProperty("chart").GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(expected.Keys.Order(), series.Select(x => x.GetProperty("name").GetString()!).Order());
        foreach (var x in series)
        {
            var exp = expected[x.GetProperty("name").GetString()!];
            var cols = x.GetProperty("columns").EnumerateArray().Select(c => c.GetInt32()).ToList();
            Assert.Equal(exp.Keys.Order(), cols);
            for (var i = 0; i < cols.Count; i++)
            {
                Assert.Equal(exp[cols[i]].Min, x.GetProperty("min")[i].GetDouble());
                Assert.Equal(exp[cols[i]].Max, x.GetProperty("max")[i].GetDouble());
            }
        }
    }

    [Fact]
    public async Task PreviewChart_OfAHighCardinalityGroupBy_SendsOnlyTheCappedSeries_CountsAll_AndTheirValuesEqualTheExport()
    {
        var (_, client) = await api.NewUserAsync();
        Assert.Equal(HttpStatusCode.Created, (await client.PostJsonAsync("/api/v1/sources", new { name = "fleet", kind = "timeseries" })).StatusCode);
        var start = DateTime.UtcNow.Date.AddDays(-1);
        var points = Enumerable.Range(0, 150).SelectMany(h => Enumerable.Range(0, 12).Select(i => new
        {
            timestamp = start.AddMinutes(i * 15 + 1).ToString("O"), metric = "temp", value = h + (i * 7 % 5) * 0.5, tags = new { host = $"h{h:000}" },
        }));
        var ingest = await client.PostAsync("/api/v1/sources/fleet/points", new StringContent(System.Text.Json.JsonSerializer.Serialize(points), Encoding.UTF8, "application/json"));
        Assert.True(ingest.IsSuccessStatusCode, await ingest.Content.ReadAsStringAsync());
        var req = new
        {
            source = "fleet", metrics = new[] { "temp" }, granularity = "1h", groupBy = new[] { "host" }, aggregations = new[] { "avg", "max" },
            format = "csv", timezone = "UTC", timeframe = new { from = start.ToString("O"), to = start.AddHours(3).ToString("O") },
        };
        const int width = 16;
        var r = await client.PostJsonAsync($"/api/v1/exports/series/preview?chartWidth={width}", req);
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        var chart = (await r.JsonAsync()).GetProperty("chart");
        // 150 hosts × (avg, max): all counted, the first 100 (the first 50 hosts in key order) sent.
        Assert.Equal(300, chart.GetProperty("seriesTotal").GetInt32());
        var series = chart.GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(100, series.Count);

        var csv = Files.ReadCsv(Encoding.UTF8.GetString(await (await client.PostJsonAsync("/api/v1/exports/series", req)).Content.ReadAsByteArrayAsync()));
        Assert.Equal(150 * 3, csv.Count);
        var span = TimeSpan.FromHours(3).Ticks;
        var expected = new[] { "avg", "max" }.SelectMany(agg => csv.Select(x => (Name: $"{x["metric"]} {agg} · {x["host"]}", Host: x["host"], Col: (int)((DateTimeOffset.Parse(x["time"]).UtcDateTime - start).Ticks * width / span), V: Files.D(x[agg]))))
            .GroupBy(x => x.Name).ToDictionary(g => g.Key, g => (Host: g.First().Host, Cols: g.GroupBy(x => x.Col).ToDictionary(c => c.Key, c => (Min: c.Min(x => x.V), Max: c.Max(x => x.V)))));
        var firstHosts = expected.Values.Select(e => e.Host).Distinct().Order(StringComparer.Ordinal).Take(50).ToHashSet();
        Assert.Equal(expected.Where(e => firstHosts.Contains(e.Value.Host)).Select(e => e.Key).Order(), series.Select(s => s.GetProperty("name").GetString()!).Order());
        foreach (var s in series)
        {
            var exp = expected[s.GetProperty("name").GetString()!].Cols;
            var cols = s.GetProperty("columns").EnumerateArray().Select(c => c.GetInt32()).ToList();
            Assert.Equal(exp.Keys.Order(), cols);
            for (var i = 0; i < cols.Count; i++)
            {
                Assert.Equal(exp[cols[i]].Min, s.GetProperty("min")[i].GetDouble(), 9);
                Assert.Equal(exp[cols[i]].Max, s.GetProperty("max")[i].GetDouble(), 9);
            }
        }
    }

    [Fact]
    public async Task PreviewChart_RunsOnThePreviewsOneConnection()
    {
        // A pool of one connection that waits at most 2 s for it: a chart that opened a second connection while the
        // preview holds its own would time out here.
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromDays(1));
        var cs = new Npgsql.NpgsqlConnectionStringBuilder(api.ConnectionString) { MaxPoolSize = 1, Timeout = 2 };
        await using var one = Npgsql.NpgsqlDataSource.Create(cs.ConnectionString);
        var exports = new Exports.Series.SeriesExports(one, api.Host.Services.GetRequiredService<Exports.Series.PlannerLimits>(), TimeProvider.System);
        var req = new Exports.Series.ExportRequest
        {
            Source = "servers", Metrics = ["cpu_percent"], Granularity = "1h", GroupBy = ["server"], Format = "csv",
            Timeframe = new Exports.Series.TimeframeSpec { From = from.ToString("O"), To = to.ToString("O") },
        };
        var owner = await api.ScalarAsync<Guid>("SELECT src.owner_id FROM sources src JOIN users u ON u.id = src.owner_id WHERE u.email = 'demo@exports.local' AND src.name = 'servers'");
        var (outcome, prepared, errors) = await exports.PrepareAsync(owner, req, default);
        Assert.True(outcome == Exports.Series.PrepareOutcome.Ok, string.Join("; ", errors.ToDictionary().Select(kv => $"{kv.Key}: {string.Join(", ", kv.Value)}")));
        var preview = await exports.PreviewAsync(prepared!, 5, default, chartWidth: 32);
        Assert.Null(preview.ChartUnavailable);
        Assert.NotNull(preview.Chart);
        Assert.NotEmpty(preview.Chart!.Series);

        // Past the rows a preview charts, the chart is skipped with the reason (and the rows and estimates still come).
        var skipped = await exports.PreviewAsync(prepared!, 5, default, chartWidth: 32, chartMaxRows: 10);
        Assert.Null(skipped.Chart);
        Assert.StartsWith("No chart: this export reads about", skipped.ChartUnavailable);
        Assert.Equal(5, skipped.Rows.Count);
        Assert.Equal(preview.EstimatedRows, skipped.EstimatedRows);
    }
}
