using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.ExportSeries;

/// <summary>Data exports as a paginated PDF report, read back with poppler's pdftotext and pdfinfo.</summary>
[Collection(ApiCollection.Name)]
public sealed class SeriesPdfReportTests(ApiFixture api)
{

    [Fact]
    public async Task PdfReport_HasTheRequestAndEveryRow_WithTheHeaderOnEachPage()
    {
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromHours(2));
        var r = await api.Demo().PostJsonAsync("/api/v1/exports/series", new
        {
            source = "servers", metrics = new[] { "cpu_percent" }, granularity = "raw", timezone = "UTC", format = "pdf",
            timeframe = new { from = from.ToString("O"), to = to.ToString("O") }, formatOptions = new { title = "CPU, two hours", orientation = "landscape" },
        });
        Assert.Equal("application/pdf", r.Content.Headers.ContentType?.MediaType);
        var path = Path.Combine(Path.GetTempPath(), $"report-{Guid.NewGuid():N}.pdf");
        await File.WriteAllBytesAsync(path, await r.Content.ReadAsByteArrayAsync());
        try
        {
            var info = Tools.Run("pdfinfo", path);
            Assert.Contains("Title:           CPU, two hours", info);
            var pages = int.Parse(System.Text.RegularExpressions.Regex.Match(info, @"Pages:\s+(\d+)").Groups[1].Value);
            var rows = await api.ScalarAsync<long>($"""
                SELECT count(*) FROM points p JOIN series s ON s.id = p.series_id WHERE {ApiFixture.DemoServers} AND s.metric = 'cpu_percent' AND p.ts >= $1 AND p.ts < $2
                """, from, to);
            Assert.True(pages >= rows / 45, $"{rows} rows on {pages} pages");
            var text = Tools.Run("pdftotext", "-layout", path, "-");
            Assert.Contains("Source servers", text);
            Assert.Contains("tier raw", text);
            for (var p = 1; p <= pages; p++)
            {
                var page = Tools.Run("pdftotext", "-f", p.ToString(), "-l", p.ToString(), "-layout", path, "-");
                Assert.Matches(@"time\s+metric\s+region\s+server\s+value", page);
                Assert.Contains($"Page {p}", page);
            }
            // Every server's rows are in the document: count the lines naming web-01 against SQL.
            var web01 = await api.ScalarAsync<long>($"""
                SELECT count(*) FROM points p JOIN series s ON s.id = p.series_id WHERE {ApiFixture.DemoServers} AND s.metric = 'cpu_percent' AND s.tags->>'server' = 'web-01' AND p.ts >= $1 AND p.ts < $2
                """, from, to);
            Assert.Equal(web01, text.Split('\n').Count(l => l.Contains(" web-01 ")));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public async Task PdfReport_BadOptions_AreFieldErrors() =>
        await (await api.Demo().PostJsonAsync("/api/v1/exports/series", new
        {
            source = "servers", metrics = new[] { "cpu_percent" }, timeframe = new { last = "1h" }, format = "pdf", formatOptions = new { page = "B5" },
        })).ProblemAsync(400, "formatOptions.page");
}
