using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.ExportLayout;

/// <summary>Table widgets: in a PDF every row is there (continued across pages), with values equal to SQL on the
/// raw points; integer columns print as integers.</summary>
[Collection(ApiCollection.Name)]
public sealed class TableWidgetTests(ApiFixture api)
{
    [Fact]
    public async Task PdfTable_ContinuesAcrossPages_EveryRowEqualsSql_CountsAreIntegers()
    {
        var (owner, client) = await api.NewUserAsync();
        Assert.Equal(HttpStatusCode.Created, (await client.PostJsonAsync("/api/v1/sources", new { name = "rooms", kind = "timeseries" })).StatusCode);
        var day = new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        // 90 rooms; room i has 1 + i % 4 points, values with fractions.
        var points = Enumerable.Range(0, 90).SelectMany(i => Enumerable.Range(0, 1 + i % 4).Select(k => new
        {
            timestamp = day.AddHours(k * 5 + 1).ToString("O"), metric = "temp", value = 10 + i * 0.37 + k * 1.13, tags = new { room = $"room-{i:000}" },
        }));
        var ingest = await client.PostAsync("/api/v1/sources/rooms/points", new StringContent(JsonSerializer.Serialize(points), Encoding.UTF8, "application/json"));
        Assert.True(ingest.IsSuccessStatusCode, await ingest.Content.ReadAsStringAsync());

        var r = await client.PostJsonAsync("/api/v1/exports/layout", new
        {
            title = "Rooms", timeframe = new { from = "2026-03-01T00:00:00Z", to = "2026-03-02T00:00:00Z" }, timezone = "UTC", format = "pdf",
            widgets = new object[]
            {
                new { id = "t", type = "table", title = "Rooms per day", x = 0, y = 0, w = 6, h = 4,
                      query = new { source = "rooms", metrics = new[] { "temp" }, granularity = "1d", groupBy = new[] { "room" }, aggregations = new[] { "count", "avg", "max" } } },
            },
        });
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var text = await Tools.PdfTextAsync(r, "-layout");
        var expected = await api.RowsAsync("""
            SELECT se.tags->>'room', count(p.value), avg(p.value), max(p.value)
            FROM series se JOIN sources so ON so.id = se.source_id JOIN points p ON p.series_id = se.id
            WHERE so.owner_id = $1 AND p.ts >= '2026-03-01T00:00:00Z' AND p.ts < '2026-03-02T00:00:00Z'
            GROUP BY 1 ORDER BY 1
            """, owner);
        Assert.Equal(90, expected.Count);
        var lines = text.Split('\n');
        foreach (var row in expected)
        {
            var line = Assert.Single(lines, l => l.Contains((string)row[0]!));
            var cells = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(((long)row[1]!).ToString(CultureInfo.InvariantCulture), cells[^3]); // a count: no decimals
            Assert.Equal((double)row[2]!, double.Parse(cells[^2], CultureInfo.InvariantCulture), 0.0051); // printed to 2 decimals
            Assert.Equal((double)row[3]!, double.Parse(cells[^1], CultureInfo.InvariantCulture), 0.0051); // printed to 2 decimals
        }
        Assert.DoesNotContain("more rows", text);
        Assert.Contains("Rooms per day (continued)", text);
    }
}
