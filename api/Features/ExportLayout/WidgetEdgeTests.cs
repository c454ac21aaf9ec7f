using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Exports.Rendering;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.ExportLayout;

/// <summary>Where a widget cannot show the truth as asked it says so, and odd pages or ranges never hang or fail:
/// a stat over several value columns, a stat whose range ends in empty buckets, an explicit maxRows in a PDF, a page
/// too small for one table row, a bucket at the end of time.</summary>
[Collection(ApiCollection.Name)]
public sealed class WidgetEdgeTests(ApiFixture api)
{
    /// <summary>A user with a "rooms" source: one point per hour for rooms a..c from 00:00 to 05:00 on 2026-03-01.</summary>
    async Task<HttpClient> RoomsAsync()
    {
        var (_, client) = await api.NewUserAsync();
        Assert.Equal(HttpStatusCode.Created, (await client.PostJsonAsync("/api/v1/sources", new { name = "rooms", kind = "timeseries" })).StatusCode);
        var day = new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        var points = new[] { "a", "b", "c" }.SelectMany((room, i) => Enumerable.Range(0, 6).Select(h => new
        {
            timestamp = day.AddHours(h).AddMinutes(10).ToString("O"), metric = "temp", value = 20 + i + h * 0.5, tags = new { room },
        }));
        var ingest = await client.PostAsync("/api/v1/sources/rooms/points", new StringContent(JsonSerializer.Serialize(points), Encoding.UTF8, "application/json"));
        Assert.True(ingest.IsSuccessStatusCode, await ingest.Content.ReadAsStringAsync());
        return client;
    }

    [Fact]
    public async Task Stat_OverTwoAggregationsOrTwoMetrics_SaysItCannotShowOneNumber()
    {
        var client = await RoomsAsync();
        var r = await client.PostJsonAsync("/api/v1/exports/layout", new
        {
            title = "Edge", timeframe = new { from = "2026-03-01T00:00:00Z", to = "2026-03-01T06:00:00Z" }, timezone = "UTC", format = "png",
            widgets = new object[]
            {
                new { id = "two", type = "stat", title = "Two", x = 0, y = 0, w = 6, h = 2,
                      query = new { source = "rooms", metrics = new[] { "temp" }, granularity = "1h", aggregations = new[] { "avg", "max" } } },
                new { id = "one", type = "gauge", title = "One", x = 6, y = 0, w = 6, h = 2,
                      query = new { source = "rooms", metrics = new[] { "temp" }, granularity = "1h", aggregations = new[] { "max" } } },
            },
        });
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var s = r.WidgetStatuses();
        Assert.Equal("error", s[0].GetProperty("status").GetString());
        Assert.Contains("2 value columns (avg, max)", s[0].GetProperty("message").GetString());
        Assert.Equal("ok", s[1].GetProperty("status").GetString());
    }

    [Fact]
    public async Task LastCount_WhenTheRangesLastBucketsAreEmpty_IsZero_AndLastAvgSaysWhichBucket()
    {
        var client = await RoomsAsync();
        // The range runs to 09:00; the points stop at 05:10, so the last hour (08:00) has no rows.
        var text = await Tools.PdfTextAsync(await client.PostJsonAsync("/api/v1/exports/layout", new
        {
            title = "Edge", timeframe = new { from = "2026-03-01T00:00:00Z", to = "2026-03-01T09:00:00Z" }, timezone = "UTC", format = "pdf",
            widgets = new object[]
            {
                new { id = "count", type = "stat", title = "Readings this hour", x = 0, y = 0, w = 6, h = 3,
                      query = new { source = "rooms", metrics = new[] { "temp" }, granularity = "1h", aggregations = new[] { "count" } } },
                new { id = "avg", type = "stat", title = "Latest average", x = 6, y = 0, w = 6, h = 3,
                      query = new { source = "rooms", metrics = new[] { "temp" }, granularity = "1h", aggregations = new[] { "avg" } }, options = new { decimals = 2 } },
            },
        }));
        Assert.Contains("last 1h: no rows", text);
        // The latest hour with points is 05:00: the average of the three rooms then, said to be from that hour.
        Assert.Contains((21 + 2.5).ToString("F2", CultureInfo.InvariantCulture), text);
        Assert.Contains("from 2026-03-01 05:00", text);
    }

    [Fact]
    public async Task PdfTable_WithExplicitMaxRows_ShowsThatManyAndCountsTheRest()
    {
        var client = await RoomsAsync();
        var text = await Tools.PdfTextAsync(await client.PostJsonAsync("/api/v1/exports/layout", new
        {
            title = "Edge", timeframe = new { from = "2026-03-01T00:00:00Z", to = "2026-03-01T06:00:00Z" }, timezone = "UTC", format = "pdf",
            widgets = new object[]
            {
                new { id = "t", type = "table", title = "Hours", x = 0, y = 0, w = 12, h = 3, options = new { maxRows = 5 },
                      query = new { source = "rooms", metrics = new[] { "temp" }, granularity = "1h", groupBy = new[] { "room" }, aggregations = new[] { "avg" } } },
            },
        }));
        Assert.Contains("+13 more rows", text); // 3 rooms x 6 hours = 18 rows, 5 shown
    }

    [Fact]
    public async Task PdfTable_OnAPageTooSmallForOneRow_EndsInsteadOfLooping()
    {
        var client = await RoomsAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var r = await client.PostAsync("/api/v1/exports/layout", new StringContent(JsonSerializer.Serialize(new
        {
            title = "Edge", timeframe = new { from = "2026-03-01T00:00:00Z", to = "2026-03-01T06:00:00Z" }, timezone = "UTC", format = "pdf",
            page = new { size = "custom", width = 144, height = 144, margin = 36 },
            widgets = new object[]
            {
                new { id = "t", type = "table", title = "Hours", x = 0, y = 0, w = 12, h = 3,
                      query = new { source = "rooms", metrics = new[] { "temp" }, granularity = "1h", groupBy = new[] { "room" }, aggregations = new[] { "avg" } } },
            },
        }), Encoding.UTF8, "application/json"), cts.Token);
        var text = await Tools.PdfTextAsync(r);
        Assert.Contains("Hours", text);
    }

    [Fact]
    public void MonthBucket_AtTheEndOfTime_EndsWhereTimeEnds()
    {
        var span = new BucketSpan(0, 0, 1, TimeZoneInfo.Utc);
        var december = new DateTimeOffset(9999, 12, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        Assert.Equal(new DateTimeOffset(DateTime.MaxValue, TimeSpan.Zero).ToUnixTimeMilliseconds(), span.Next(december));
        var week = new BucketSpan(0, 7, 0, TimeZoneInfo.Utc);
        Assert.Equal(new DateTimeOffset(DateTime.MaxValue, TimeSpan.Zero).ToUnixTimeMilliseconds(),
            week.Next(new DateTimeOffset(9999, 12, 27, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds()));
        Assert.Equal(new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(),
            span.Next(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds()));
    }
}
