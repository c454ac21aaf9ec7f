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
}
