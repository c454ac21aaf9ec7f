using System.Text;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.ExportSeries;

[Collection(ApiCollection.Name)]
public sealed class PreviewTests(ApiFixture api)
{
    [Fact]
    public async Task Preview_FirstRowsEqualTheExport_AndEstimatesAreClose()
    {
        var req = new { source = "servers", metrics = new[] { "memory_percent" }, timeframe = new { last = "6h" }, format = "csv" };
        var preview = await (await api.Demo().PostJsonAsync("/api/v1/exports/series/preview", req)).JsonAsync();
        var csvBytes = await (await api.Demo().PostJsonAsync("/api/v1/exports/series", req)).Content.ReadAsByteArrayAsync();
        var rows = Files.ReadCsv(Encoding.UTF8.GetString(csvBytes));

        Assert.Equal("raw", preview.GetProperty("tier").GetString());
        Assert.Equal(["time", "metric", "region", "server", "value"], preview.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        var previewRows = preview.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(100, previewRows.Count);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(DateTimeOffset.Parse(rows[i]["time"]), DateTimeOffset.Parse(previewRows[i][0].GetString()!));
            Assert.Equal(rows[i]["server"], previewRows[i][3].GetString());
            Assert.Equal(Files.D(rows[i]["value"]), previewRows[i][4].GetDouble());
        }
        // Whole hours come from the hourly rollup, the partial edge hours from raw points: exact.
        Assert.Equal(rows.Count, preview.GetProperty("estimatedRows").GetInt64());
        var csvEstimate = preview.GetProperty("estimatedBytes").GetProperty("csv").GetInt64();
        Assert.InRange(csvEstimate, csvBytes.Length * 0.8, csvBytes.Length * 1.25);
        Assert.True(preview.GetProperty("estimatedBytes").GetProperty("json").GetInt64() > csvEstimate);
    }

    [Fact]
    public async Task Preview_OfBadRequest_IsTheSameProblem() =>
        await (await api.Demo().PostJsonAsync("/api/v1/exports/series/preview", new { source = "servers", timeframe = new { last = "soon" } })).ProblemAsync(400, "timeframe.last");

    /// <summary>Filtered bucketed timeseries: the estimate counts only what the filter matches, on the raw tier
    /// (1h over 5 days: an upper bound), the hourly tier (counted: exact), wide, and 1d in a half-hour zone.</summary>
    [Theory]
    [InlineData(5, "1h", "long", "UTC")]
    [InlineData(10, "1h", "long", "UTC")]
    [InlineData(10, "1h", "wide", "Europe/Berlin")]
    [InlineData(20, "1d", "long", "Asia/Kolkata")]
    public async Task FilteredServers_EstimateEqualsTheExportsRows(int days, string granularity, string shape, string zone)
    {
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromDays(days));
        var req = new
        {
            source = "servers", metrics = new[] { "cpu_percent", "net_in_mbps" }, granularity, shape, timezone = zone, format = "csv",
            groupBy = new[] { "server" }, aggregations = new[] { "avg" },
            filter = new { field = "region", op = "eq", value = "eu-west" },
            timeframe = new { from = from.ToString("O"), to = to.ToString("O") },
        };
        var preview = await (await api.Demo().PostJsonAsync("/api/v1/exports/series/preview", req)).JsonAsync();
        var csvBytes = await (await api.Demo().PostJsonAsync("/api/v1/exports/series", req)).Content.ReadAsByteArrayAsync();
        var rows = Files.ReadCsv(Encoding.UTF8.GetString(csvBytes));
        Assert.All(rows, r => Assert.Matches("^(web|cache)-", r["server"]));
        var estimate = preview.GetProperty("estimatedRows").GetInt64();
        if (preview.GetProperty("tier").GetString() == "raw")
        {
            // Buckets x matching series: the demo's one gap leaves a few (bucket, series) without a row.
            Assert.Equal("upper bound", preview.GetProperty("estimateKind").GetString());
            Assert.InRange(estimate, rows.Count, rows.Count * 1.01);
        }
        else
        {
            Assert.Equal("exact", preview.GetProperty("estimateKind").GetString());
            Assert.Equal(rows.Count, estimate);
        }
        Assert.InRange(preview.GetProperty("estimatedBytes").GetProperty("csv").GetInt64(), csvBytes.Length * 0.8, csvBytes.Length * 1.25);
    }

    /// <summary>Filtered records (raw and bucketed): the estimate is an exact count with the filter applied.</summary>
    [Theory]
    [InlineData("raw")]
    [InlineData("1h")]
    public async Task FilteredAgentCommands_EstimateEqualsTheExportsRows(string granularity)
    {
        var req = new
        {
            source = "agent-commands", granularity, timeframe = new { last = "3d" }, format = "csv",
            groupBy = granularity == "raw" ? null : new[] { "command" },
            filter = new { field = "status", op = "eq", value = "failed" },
        };
        var preview = await (await api.Demo().PostJsonAsync("/api/v1/exports/series/preview", req)).JsonAsync();
        var csvBytes = await (await api.Demo().PostJsonAsync("/api/v1/exports/series", req)).Content.ReadAsByteArrayAsync();
        var rows = Files.ReadCsv(Encoding.UTF8.GetString(csvBytes));
        Assert.True(rows.Count > 100);
        Assert.Equal(rows.Count, preview.GetProperty("estimatedRows").GetInt64());
        Assert.Equal("exact", preview.GetProperty("estimateKind").GetString());
        Assert.InRange(preview.GetProperty("estimatedBytes").GetProperty("csv").GetInt64(), csvBytes.Length * 0.8, csvBytes.Length * 1.25);
    }
}
