using System.Globalization;
using Exports.Layouts;
using Exports.Rendering;
using Exports.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Exports.Tests.Features.ExportLayout;

/// <summary>What stats, gauges and charts show, against SQL on the raw points: the PDF's text through pdftotext, and
/// the resolved series the painter draws.</summary>
[Collection(ApiCollection.Name)]
public sealed class WidgetValueTests(ApiFixture api)
{
    const string DemoPoints = """
        FROM points p JOIN series s ON s.id = p.series_id JOIN sources src ON src.id = s.source_id JOIN users u ON u.id = src.owner_id
        WHERE u.email = 'demo@exports.local' AND src.name = 'servers' AND s.metric = $1 AND p.ts >= $2 AND p.ts < $3
        """;

    async Task<string> PdfTextAsync(object layout) =>
        await Tools.PdfTextAsync(await api.Demo().PostJsonAsync("/api/v1/exports/layout", layout));

    static object Stat(string id, string type, int x, object query, object options) =>
        new { id, type, title = $"Widget {id}", x, y = 0, w = 3, h = 3, query, options };

    [Fact]
    public async Task StatsAndGauges_ReduceOverEverySeries_AsSqlOnRawPointsSays()
    {
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromHours(24));
        var cpu = new { source = "servers", metrics = new[] { "cpu_percent" }, granularity = "1h", aggregations = new[] { "avg" } };
        var text = await PdfTextAsync(new
        {
            title = "Values", timezone = "UTC", format = "pdf", timeframe = new { from = from.ToString("O"), to = to.ToString("O") },
            widgets = new[]
            {
                Stat("last", "stat", 0, cpu, new { decimals = 3 }),                                     // defaults: last bucket, avg over all series
                Stat("mean", "stat", 3, cpu, new { decimals = 3, reduce = "mean" }),                   // mean of all points in the range
                Stat("peak", "gauge", 6, new { source = "servers", metrics = new[] { "cpu_percent" }, granularity = "raw" },
                    new { decimals = 2, reduce = "max", combine = "max" }),                             // the highest point of any server
                Stat("sum", "stat", 9, new { source = "servers", metrics = new[] { "net_in_mbps" }, granularity = "15m", aggregations = new[] { "sum" } },
                    new { decimals = 1, reduce = "sum" }),                                              // every point's value added up
            },
        });
        var series = await api.ScalarAsync<long>($"SELECT count(DISTINCT s.id) {DemoPoints}", "cpu_percent", from, to);
        var lastHour = await api.ScalarAsync<DateTime>($"SELECT date_trunc('hour', max(p.ts), 'UTC') {DemoPoints}", "cpu_percent", from, to);
        var last = await api.ScalarAsync<double>($"SELECT avg(p.value) {DemoPoints} AND p.ts >= $4", "cpu_percent", from, to, lastHour);
        var mean = await api.ScalarAsync<double>($"SELECT avg(p.value) {DemoPoints}", "cpu_percent", from, to);
        var max = await api.ScalarAsync<double>($"SELECT max(p.value) {DemoPoints}", "cpu_percent", from, to);
        var sum = await api.ScalarAsync<double>($"SELECT sum(p.value) {DemoPoints}", "net_in_mbps", from, to);
        Files.AssertShows(text, last, "F3");
        Files.AssertShows(text, mean, "F3");
        Files.AssertShows(text, max, "F2");
        Files.AssertShows(text, sum, "F1");
        // The method is said under each number.
        // The last hour is cut short by the range's end, and says so.
        var covered = (to - DateTime.SpecifyKind(lastHour, DateTimeKind.Utc)).TotalMinutes;
        var partial = covered < 60 ? $" (partial: {covered.ToString("0", CultureInfo.InvariantCulture)} of 60 min)" : "";
        Assert.Contains($"last 1h{partial} · avg over all {series} series", text);
        Assert.Contains($"mean of all points · avg over all {series} series", text);
        Assert.Contains($"max over the range · max of {series} series", text);
    }

    [Fact]
    public async Task Charts_DrawEveryAggregation_NamedInTheLegend_WithSqlsValues()
    {
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromHours(12));
        var layout = new Exports.Layouts.ExportLayout
        {
            Title = "Aggregations", Timezone = "UTC", Format = "pdf",
            Timeframe = new Exports.Series.TimeframeSpec { From = from.ToString("O"), To = to.ToString("O") },
            Widgets =
            [
                new WidgetRequest
                {
                    Id = "net", Type = "line", Title = "Network in, web-03", X = 0, Y = 0, W = 12, H = 4,
                    Query = new Exports.Series.ExportRequest
                    {
                        Source = "servers", Metrics = ["net_in_mbps"], Granularity = "15m", Aggregations = ["avg", "max", "p95"],
                        Filter = System.Text.Json.JsonSerializer.SerializeToElement(new { field = "server", op = "eq", value = "web-03" }),
                    },
                },
            ],
        };
        var owner = await api.ScalarAsync<Guid>("SELECT id FROM users WHERE email = 'demo@exports.local'");
        var (doc, errors) = await api.Host.Services.GetRequiredService<LayoutExports>().ResolveAsync(owner, layout, default);
        Assert.False(errors.Any);
        var data = Assert.IsType<SeriesData>(doc!.Widgets[0].Data);
        Assert.Equal(["web-03 avg", "web-03 max", "web-03 p95"], data.Series.Select(s => s.Name));
        var rows = await api.RowsAsync($"""
            SELECT date_bin('15 minutes', p.ts, '2000-01-03 00:00+00'::timestamptz), avg(p.value), max(p.value), percentile_cont(0.95) WITHIN GROUP (ORDER BY p.value)
            {DemoPoints} AND s.tags->>'server' = 'web-03' GROUP BY 1 ORDER BY 1
            """, "net_in_mbps", from, to);
        Assert.True(rows.Count > 40);
        for (var a = 0; a < 3; a++)
        {
            var s = data.Series[a];
            var drawn = Enumerable.Range(0, s.X.Length).Where(i => !double.IsNaN(s.Y[i])).ToDictionary(i => s.X[i], i => s.Y[i]);
            Assert.Equal(rows.Count, drawn.Count);
            foreach (var row in rows)
            {
                var ms = (double)new DateTimeOffset((DateTime)row[0]!).ToUnixTimeMilliseconds();
                Assert.Equal((double)row[a + 1]!, drawn[ms], 9);
            }
        }
        var text = await PdfTextAsync(layout);
        Assert.Contains("web-03 avg", text);
        Assert.Contains("web-03 max", text);
        Assert.Contains("web-03 p95", text);
    }

    [Fact]
    public async Task BadStatAndMarkerOptions_AreProblemsNamingTheOption()
    {
        object Layout(object options) => new
        {
            widgets = new[] { new { id = "a", type = "stat", x = 0, y = 0, w = 4, h = 2, query = new { source = "servers" }, options } },
        };
        await (await api.Demo().PostJsonAsync("/api/v1/exports/layout", Layout(new { reduce = "median" }))).ProblemAsync(400, "widgets[0].options.reduce");
        await (await api.Demo().PostJsonAsync("/api/v1/exports/layout", Layout(new { combine = "avg" }))).ProblemAsync(400, "widgets[0].options.combine");
        await (await api.Demo().PostJsonAsync("/api/v1/exports/layout", Layout(new { markers = new[] { new { time = "yesterday" } } }))).ProblemAsync(400, "widgets[0].options.markers[0].time");
        await (await api.Demo().PostJsonAsync("/api/v1/exports/layout", Layout(new { markers = new[] { new { time = "2026-11-29T21:24:00Z", color = "red" } } }))).ProblemAsync(400, "widgets[0].options.markers[0].color");
        await (await api.Demo().PostJsonAsync("/api/v1/exports/layout", Layout(new { markers = "now" }))).ProblemAsync(400, "widgets[0].options.markers");
    }
}
