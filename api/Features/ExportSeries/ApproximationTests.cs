using System.Globalization;
using System.Text;
using System.Text.Json;
using Exports.Tests.Infrastructure;
using static Exports.Tests.Infrastructure.JobTestKit;

namespace Exports.Tests.Features.ExportSeries;

/// <summary>Percentiles merged from a rollup tier are declared approximate wherever the tier is said (headers, JSON
/// meta, Parquet key-value metadata, the Excel About sheet, the PDF report, the job record); exact: true computes them
/// from raw points.</summary>
[Collection(ApiCollection.Name)]
public sealed class ApproximationTests(ApiFixture api) : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("approx-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    async Task<(DateTime From, DateTime To, object Request)> DailyAsync(string format, bool? exact = null, string[]? aggregations = null, int days = 20)
    {
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromDays(days));
        return (from, to, new
        {
            source = "servers", metrics = new[] { "cpu_percent" }, granularity = "1d", groupBy = new[] { "server" },
            aggregations = aggregations ?? ["p95", "p99"], timezone = "UTC", format, exact,
            timeframe = new { from = from.ToString("O"), to = to.ToString("O") },
        });
    }

    static string Header(HttpResponseMessage r, string name) => r.Headers.GetValues(name).Single();

    const string Demo = ApiFixture.DemoServers;

    [Fact]
    public async Task ExactTrue_PercentilesEqualPercentileContOnRawPoints() => await ExactAsync(20);

    /// <summary>Past the raw points' own limit (EXPORTS_RAW_MAX_DAYS, 31): the daily tier's p99 was off by up to 18%.</summary>
    [Fact]
    public async Task ExactTrue_OverFortyFiveDays_StillEqualsPercentileContOnRawPoints() => await ExactAsync(45);

    async Task ExactAsync(int days)
    {
        var (from, to, req) = await DailyAsync("csv", exact: true, days: days);
        var r = await api.Demo().PostJsonAsync("/api/v1/exports/series", req);
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        Assert.Equal("raw", Header(r, "Export-Tier"));
        Assert.Equal("false", Header(r, "Export-Approximate"));
        var rows = Files.ReadCsv(Encoding.UTF8.GetString(await r.Content.ReadAsByteArrayAsync()));
        var expected = await api.RowsAsync($"""
            SELECT s.tags->>'server', date_trunc('day', p.ts AT TIME ZONE 'UTC'),
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY p.value), percentile_cont(0.99) WITHIN GROUP (ORDER BY p.value)
            FROM points p JOIN series s ON s.id = p.series_id
            WHERE s.metric = 'cpu_percent' AND p.ts >= $1 AND {Demo} AND p.ts < $2 GROUP BY 1, 2
            """, from, to);
        Assert.Equal(expected.Count, rows.Count);
        var got = rows.ToDictionary(x => (x["server"], DateTimeOffset.Parse(x["time"], CultureInfo.InvariantCulture).UtcDateTime));
        foreach (var e in expected)
        {
            var row = got[((string)e[0]!, DateTime.SpecifyKind((DateTime)e[1]!, DateTimeKind.Utc))];
            Assert.Equal((double)e[2]!, Files.D(row["p95"]), 1e-9);
            Assert.Equal((double)e[3]!, Files.D(row["p99"]), 1e-9);
        }

        // The preview tells the cost: every raw point of the range is read.
        var preview = await (await api.Demo().PostJsonAsync("/api/v1/exports/series/preview", req)).JsonAsync();
        Assert.Equal("raw", preview.GetProperty("tier").GetString());
        Assert.Equal(await api.ScalarAsync<long>($"""
            SELECT count(*) FROM points p JOIN series s ON s.id = p.series_id WHERE s.metric = 'cpu_percent' AND p.ts >= $1 AND {Demo} AND p.ts < $2
            """, from, to), preview.GetProperty("rowsScanned").GetInt64());
    }

    [Fact]
    public async Task ExactTrue_BeyondItsLimit_IsAFieldErrorNamingExact()
    {
        var p = await (await api.Demo().PostJsonAsync("/api/v1/exports/series", new
        {
            source = "servers", metrics = new[] { "cpu_percent" }, granularity = "1d", aggregations = new[] { "p99" },
            exact = true, timeframe = new { last = "500d" },
        })).ProblemAsync(400, "timeframe");
        Assert.Contains("exact", p.GetProperty("errors").GetProperty("timeframe")[0].GetString());
    }

    [Fact]
    public async Task ExactNotABoolean_IsAFieldError() =>
        await (await api.Demo().PostJsonAsync("/api/v1/exports/series", new
        {
            source = "servers", metrics = new[] { "cpu_percent" }, granularity = "1d", exact = "yes", timeframe = new { last = "20d" },
        })).ProblemAsync(400, "exact");

    [Fact]
    public async Task Default_DeclaresMergedPercentilesApproximate_InHeadersJsonParquetAndXlsx()
    {
        var c = api.Demo();
        var (_, _, csvReq) = await DailyAsync("csv");
        var csv = await c.PostJsonAsync("/api/v1/exports/series", csvReq);
        Assert.Equal("daily", Header(csv, "Export-Tier"));
        Assert.StartsWith("p95,p99; method=\"", Header(csv, "Export-Approximate"));
        Assert.Contains("approximate", Header(csv, "Export-Approximate"));

        var (_, _, jsonReq) = await DailyAsync("json");
        var json = await c.PostJsonAsync("/api/v1/exports/series", jsonReq);
        Assert.Equal("daily", Header(json, "Export-Tier"));
        var meta = (await json.JsonAsync()).GetProperty("meta");
        Assert.Equal(["p95", "p99"], meta.GetProperty("approximate").EnumerateArray().Select(x => x.GetString()));
        Assert.Contains("daily rollup", meta.GetProperty("approximation").GetString());

        var (_, _, pqReq) = await DailyAsync("parquet");
        var pq = await c.PostJsonAsync("/api/v1/exports/series", pqReq);
        Assert.StartsWith("p95,p99;", Header(pq, "Export-Approximate"));
        var path = Path.Combine(_dir, "daily.parquet");
        await File.WriteAllBytesAsync(path, await pq.Content.ReadAsByteArrayAsync());
        var read = await NodeReaders.ParquetAsync(path);
        var kv = read.GetProperty("duckdb").GetProperty("kv");
        Assert.Equal("daily", kv.GetProperty("exports.tier").GetString());
        Assert.Equal(["p95", "p99"], JsonDocument.Parse(kv.GetProperty("exports.approximate").GetString()!).RootElement.EnumerateArray().Select(x => x.GetString()));
        Assert.Contains("approximate", kv.GetProperty("exports.approximation").GetString());
        var net = await ParquetNetReader.ReadAsync(path);
        net.AssertSameAs(read.GetProperty("duckdb"));
        Assert.Equal("daily", net.Metadata["exports.tier"]);
        Assert.Equal(["p95", "p99"], JsonDocument.Parse(net.Metadata["exports.approximate"]).RootElement.EnumerateArray().Select(x => x.GetString()));
        Assert.Contains("approximate", net.Metadata["exports.approximation"]);

        var (_, _, xlsxReq) = await DailyAsync("xlsx");
        var xlsx = await c.PostJsonAsync("/api/v1/exports/series", xlsxReq);
        Assert.StartsWith("p95,p99;", Header(xlsx, "Export-Approximate"));
        var book = Path.Combine(_dir, "daily.xlsx");
        await File.WriteAllBytesAsync(book, await xlsx.Content.ReadAsByteArrayAsync());
        var about = (await NodeReaders.XlsxAsync(book)).GetProperty("sheets").EnumerateArray()
            .Single(s => s.GetProperty("name").GetString() == "About").GetProperty("rows").EnumerateArray()
            .Where(x => x.GetArrayLength() > 1 && x[0].ValueKind == JsonValueKind.String).ToDictionary(x => x[0].GetString()!, x => x[1].ToString());
        Assert.Equal("daily", about["Tier"]);
        Assert.StartsWith("p95, p99 merged from the daily rollup", about["Approximate"]);

        var (_, _, pdfReq) = await DailyAsync("pdf");
        var pdf = await c.PostJsonAsync("/api/v1/exports/series", pdfReq);
        Assert.StartsWith("p95,p99;", Header(pdf, "Export-Approximate"));
        var report = Path.Combine(_dir, "daily.pdf");
        await File.WriteAllBytesAsync(report, await pdf.Content.ReadAsByteArrayAsync());
        var text = System.Text.RegularExpressions.Regex.Replace(Tools.Run("pdftotext", "-l", "1", report, "-"), @"\s+", " ");
        Assert.Contains("tier daily", text);
        Assert.Contains("Approximate: p95, p99 merged from the daily rollup", text);

        // Count, sum, avg, min and max are exact on every tier: nothing to declare.
        var (_, _, avgReq) = await DailyAsync("json", aggregations: ["avg", "max"]);
        var avg = await c.PostJsonAsync("/api/v1/exports/series", avgReq);
        Assert.Equal("false", Header(avg, "Export-Approximate"));
        Assert.Equal(0, (await avg.JsonAsync()).GetProperty("meta").GetProperty("approximate").GetArrayLength());
    }

    [Fact]
    public async Task BackgroundJob_RecordsTierAndApproximation_AndItsDownloadDeclaresThem()
    {
        var (_, _, series) = await DailyAsync("csv");
        var demo = api.Demo();
        JsonElement job = default;
        var (ran, _) = await RunTrackedAsync(api.Host, demo, async () => (job = await SubmitAsync(demo, new { kind = "series", series })).GetProperty("id").GetString()!);
        Assert.Equal("daily", job.GetProperty("tier").GetString());
        Assert.Equal(["p95", "p99"], job.GetProperty("approximate").EnumerateArray().Select(x => x.GetString()));
        Assert.Contains("approximate", job.GetProperty("approximation").GetString());
        var done = AssertCompleted(ran);
        Assert.Equal(["p95", "p99"], done.GetProperty("approximate").EnumerateArray().Select(x => x.GetString()));
        var file = await demo.GetAsync($"/api/v1/exports/{done.GetProperty("id").GetString()}/download");
        Assert.Equal("daily", Header(file, "Export-Tier"));
        Assert.StartsWith("p95,p99; method=", Header(file, "Export-Approximate"));
    }

    [Fact]
    public async Task QuickExport_TakesExactFromTheQueryString()
    {
        const string url = "/api/v1/sources/servers/export?metrics=cpu_percent&range=20d&granularity=1d&aggregations=p99&tz=UTC";
        var approx = await api.Demo().GetAsync(url);
        Assert.True(approx.IsSuccessStatusCode, await approx.Content.ReadAsStringAsync());
        Assert.Equal("daily", Header(approx, "Export-Tier"));
        Assert.StartsWith("p99", Header(approx, "Export-Approximate"));
        var exact = await api.Demo().GetAsync(url + "&exact=true");
        Assert.True(exact.IsSuccessStatusCode, await exact.Content.ReadAsStringAsync());
        Assert.Equal("raw", Header(exact, "Export-Tier"));
        Assert.Equal("false", Header(exact, "Export-Approximate"));
        await (await api.Demo().GetAsync(url + "&exact=maybe")).ProblemAsync(400, "exact");
    }
}
