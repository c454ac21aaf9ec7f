using Exports.Series;
using Exports.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Exports.Tests.Series;

/// <summary>One size estimator: the job's estimate (EstimateAsync) and the preview's per-format estimates are each
/// checked against the file really written: its size when the sample holds every row, near it when scaled.</summary>
[Collection(ApiCollection.Name)]
public sealed class SizeEstimateTests(ApiFixture api)
{
    async Task<(SeriesExports Exports, PreparedExport Prepared)> PrepareAsync(string format, TimeSpan span, string granularity)
    {
        var (from, to) = await api.SeededRangeAsync(span);
        var exports = api.Host.Services.GetRequiredService<SeriesExports>();
        var req = new ExportRequest
        {
            Source = "servers", Metrics = ["cpu_percent"], Granularity = granularity, GroupBy = ["server"], Format = format,
            Timeframe = new TimeframeSpec { From = from.ToString("O"), To = to.ToString("O") },
        };
        var owner = await api.ScalarAsync<Guid>("SELECT src.owner_id FROM sources src JOIN users u ON u.id = src.owner_id WHERE u.email = 'demo@exports.local' AND src.name = 'servers'");
        var (outcome, prepared, errors) = await exports.PrepareAsync(owner, req, default);
        Assert.True(outcome == PrepareOutcome.Ok, string.Join("; ", errors.ToDictionary().Select(kv => $"{kv.Key}: {string.Join(", ", kv.Value)}")));
        return (exports, prepared!);
    }

    [Theory]
    [InlineData("csv")]
    [InlineData("jsonl")]
    [InlineData("json")]
    public async Task SampleHoldsEveryRow_EstimateAndPreviewAreTheWrittenFilesSize(string format)
    {
        var (exports, p) = await PrepareAsync(format, TimeSpan.FromHours(12), "1h");
        var (rows, bytes) = await exports.EstimateAsync(p, default);
        Assert.InRange(rows, 1, SeriesExports.EstimateSampleRows - 1);

        var file = new MemoryStream();
        var written = await exports.WriteAsync(p, file, default);
        Assert.Equal(written, rows);
        Assert.Equal(file.Length, bytes);

        var preview = await exports.PreviewAsync(p, SeriesExports.EstimateSampleRows, default);
        Assert.Equal("exact", preview.EstimateKind);
        Assert.Equal(written, preview.EstimatedRows);
        Assert.Equal(file.Length, preview.EstimatedBytes[format]);
    }

    [Fact]
    public async Task LargerThanTheSample_EstimateAndPreviewScaleThePlannersRows_NearTheWrittenFile()
    {
        var (exports, p) = await PrepareAsync("csv", TimeSpan.FromHours(24), "5m");
        var (rows, bytes) = await exports.EstimateAsync(p, default);
        Assert.True(rows > SeriesExports.EstimateSampleRows, $"rows {rows}");

        var preview = await exports.PreviewAsync(p, SeriesExports.EstimateSampleRows, default);
        Assert.Equal(rows, preview.EstimatedRows);
        // Rows of one source and metric are alike: the scaled sample lands near the real file, for both.
        var file = new MemoryStream();
        var written = await exports.WriteAsync(p, file, default);
        Assert.InRange(bytes, file.Length * 0.8, file.Length * 1.25);
        Assert.InRange(preview.EstimatedBytes["csv"], file.Length * 0.8, file.Length * 1.25);
        Assert.InRange(rows, written * 0.8, written * 1.25);
    }
}
