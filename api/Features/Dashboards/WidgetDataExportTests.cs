using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.Dashboards;

/// <summary>GET /dashboards/{id}/widgets/{widgetId}/export.{csv|xlsx|json}: a panel's query as a data export with the
/// dashboard's range and zone and the PNG/PDF routes' overrides; every number is checked against SQL on the raw
/// points of the owner's own source.</summary>
[Collection(ApiCollection.Name)]
public sealed class WidgetDataExportTests(ApiFixture api) : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("widget-data-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static readonly DateTime Now = DateTime.UtcNow;
    static readonly DateTime Base = new DateTime(Now.Year, Now.Month, Now.Day, Now.Hour, 0, 0, DateTimeKind.Utc).AddHours(-10);

    /// <summary>A fresh owner with 10 hours of 7-minute points for two hosts, and a dashboard (last 24 h, Berlin)
    /// with a line widget (hourly avg and max by host) and a text widget.</summary>
    async Task<(Guid Owner, HttpClient Client)> DashboardAsync()
    {
        var (owner, client) = await api.NewUserAsync();
        Assert.Equal(HttpStatusCode.Created, (await client.PostJsonAsync("/api/v1/sources", new { name = "rooms", kind = "timeseries" })).StatusCode);
        var points = new List<object>();
        for (var i = 0; i < 10 * 60 / 7; i++)
            foreach (var host in new[] { "a", "b" })
                points.Add(new { timestamp = Base.AddMinutes(i * 7 + 1).ToString("O"), metric = "temp", value = 18 + (i * 37 % 23) / 7.0 + (host == "b" ? 0.25 : 0), tags = new { host } });
        var ingest = await client.PostAsync("/api/v1/sources/rooms/points", new StringContent(JsonSerializer.Serialize(points), Encoding.UTF8, "application/json"));
        Assert.True(ingest.IsSuccessStatusCode, await ingest.Content.ReadAsStringAsync());
        var created = await client.PostJsonAsync("/api/v1/dashboards", new
        {
            slug = "rooms", title = "Rooms",
            layout = new
            {
                timeframe = new { last = "24h" }, timezone = "Europe/Berlin",
                widgets = new object[]
                {
                    new { id = "temp", type = "line", title = "Temperature", x = 0, y = 0, w = 8, h = 4,
                          query = new { source = "rooms", metrics = new[] { "temp" }, granularity = "1h", groupBy = new[] { "host" }, aggregations = new[] { "avg", "max" } } },
                    new { id = "notes", type = "text", title = "Notes", x = 8, y = 0, w = 4, h = 4, text = "Hello" },
                },
            },
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return (owner, client);
    }

    /// <summary>Hourly avg and max per host in <paramref name="zone"/>, from raw points in [from, to).</summary>
    async Task<Dictionary<(string Host, DateTime Hour), (double Avg, double Max)>> SqlAsync(Guid owner, string zone, DateTime from, DateTime to) =>
        (await api.RowsAsync("""
            SELECT s.tags->>'host', date_trunc('hour', p.ts, $4), avg(p.value), max(p.value)
            FROM points p JOIN series s ON s.id = p.series_id JOIN sources src ON src.id = s.source_id
            WHERE src.owner_id = $1 AND s.metric = 'temp' AND p.ts >= $2 AND p.ts < $3 GROUP BY 1, 2
            """, owner, from, to, zone))
        .ToDictionary(r => ((string)r[0]!, DateTime.SpecifyKind((DateTime)r[1]!, DateTimeKind.Utc)), r => ((double)r[2]!, (double)r[3]!));

    static DateTime Instant(string s) => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture).UtcDateTime;

    static void AssertEqual(Dictionary<(string, DateTime), (double Avg, double Max)> expected, IEnumerable<(string Host, DateTime Hour, double Avg, double Max)> got)
    {
        var rows = got.ToList();
        Assert.Equal(expected.Count, rows.Count);
        Assert.True(rows.Count >= 8, $"only {rows.Count} rows");
        foreach (var r in rows)
        {
            Assert.True(expected.TryGetValue((r.Host, r.Hour), out var e), $"unexpected row {r}");
            Assert.Equal(e.Avg, r.Avg, 1e-9);
            Assert.Equal(e.Max, r.Max, 1e-9);
        }
    }

    [Fact]
    public async Task Csv_UsesTheDashboardsRangeAndZone_AndEqualsSqlOnRawPoints()
    {
        var (owner, client) = await DashboardAsync();
        var r = await client.GetAsync("/api/v1/dashboards/rooms/widgets/temp/export.csv");
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal("text/csv", r.Content.Headers.ContentType?.MediaType);
        Assert.Matches(@"^rooms-temp-\d{4}-\d{2}-\d{2}\.csv$", r.Content.Headers.ContentDisposition?.FileNameStar);
        Assert.False(string.IsNullOrEmpty(r.Headers.GetValues("Export-Tier").Single()));
        Assert.Equal("false", r.Headers.GetValues("Export-Approximate").Single());
        var rows = Files.ReadCsv(text);
        Assert.Equal(["time", "metric", "host", "avg", "max"], rows[0].Keys);
        // Berlin's offset is in every time: the dashboard's zone, not UTC.
        Assert.All(rows, x => Assert.Matches(@"\+0[12]:00$", x["time"]));
        var expected = await SqlAsync(owner, "Europe/Berlin", DateTime.UtcNow.AddDays(-2), DateTime.UtcNow.AddDays(1));
        AssertEqual(expected, rows.Select(x => (x["host"], Instant(x["time"]), Files.D(x["avg"]), Files.D(x["max"]))));
    }

    [Fact]
    public async Task Overrides_FromToAndTz_AreHonoured_AndBadOnesAreFieldErrors()
    {
        var (owner, client) = await DashboardAsync();
        var (from, to) = (Base.AddHours(2), Base.AddHours(6));
        var r = await client.GetAsync($"/api/v1/dashboards/rooms/widgets/temp/export.csv?from={from:O}&to={to:O}&tz=UTC");
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, text);
        var rows = Files.ReadCsv(text);
        Assert.All(rows, x => Assert.EndsWith("+00:00", x["time"]));
        var expected = await SqlAsync(owner, "UTC", from, to);
        Assert.Equal(8, expected.Count); // 4 hours x 2 hosts: the override narrowed the dashboard's 24 hours
        AssertEqual(expected, rows.Select(x => (x["host"], Instant(x["time"]), Files.D(x["avg"]), Files.D(x["max"]))));

        await (await client.GetAsync("/api/v1/dashboards/rooms/widgets/temp/export.csv?last=soon")).ProblemAsync(400, "last");
        await (await client.GetAsync("/api/v1/dashboards/rooms/widgets/temp/export.json?tz=Mars/Olympus")).ProblemAsync(400, "tz");
        await (await client.GetAsync($"/api/v1/dashboards/rooms/widgets/temp/export.csv?from={to:O}&to={from:O}")).ProblemAsync(400);
    }

    [Fact]
    public async Task XlsxAndJson_HoldTheSameNumbersAsSql()
    {
        var (owner, client) = await DashboardAsync();
        var expected = await SqlAsync(owner, "Europe/Berlin", DateTime.UtcNow.AddDays(-2), DateTime.UtcNow.AddDays(1));

        var json = await client.GetAsync("/api/v1/dashboards/rooms/widgets/temp/export.json");
        Assert.True(json.StatusCode == HttpStatusCode.OK, await json.Content.ReadAsStringAsync());
        var doc = await json.JsonAsync();
        Assert.Equal("Europe/Berlin", doc.GetProperty("meta").GetProperty("timezone").GetString());
        AssertEqual(expected, doc.GetProperty("data").EnumerateArray().Select(x => (x.GetProperty("host").GetString()!,
            Instant(x.GetProperty("time").GetString()!), x.GetProperty("avg").GetDouble(), x.GetProperty("max").GetDouble())));

        var xlsx = await client.GetAsync("/api/v1/dashboards/rooms/widgets/temp/export.xlsx");
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx.Content.Headers.ContentType?.MediaType);
        var path = Path.Combine(_dir, "temp.xlsx");
        await File.WriteAllBytesAsync(path, await xlsx.Content.ReadAsByteArrayAsync());
        var book = await NodeReaders.XlsxAsync(path);
        var data = book.GetProperty("sheets").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "Data").GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(["time", "metric", "host", "avg", "max"], data[0].EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(expected.Count, data.Count - 1);
        // Excel cells hold wall-clock times in the export's zone: compare each row's values by host and the hour's order.
        foreach (var host in new[] { "a", "b" })
        {
            var want = expected.Where(e => e.Key.Host == host).OrderBy(e => e.Key.Hour).Select(e => e.Value).ToList();
            var got = data.Skip(1).Where(x => x[2].GetString() == host).Select(x => (Avg: x[3].GetDouble(), Max: x[4].GetDouble())).ToList();
            Assert.Equal(want.Count, got.Count);
            for (var i = 0; i < want.Count; i++)
            {
                Assert.Equal(want[i].Avg, got[i].Avg, 1e-9);
                Assert.Equal(want[i].Max, got[i].Max, 1e-9);
            }
        }
    }

    [Fact]
    public async Task OtherOwnersDashboard_UnknownWidget_AndTextWidget_Are404ProblemDetails()
    {
        var (_, client) = await DashboardAsync();
        var (_, stranger) = await api.NewUserAsync();
        var other = await (await stranger.GetAsync("/api/v1/dashboards/rooms/widgets/temp/export.csv")).ProblemAsync(404);
        Assert.Contains("No dashboard 'rooms'", other.GetProperty("detail").GetString());
        await (await client.GetAsync("/api/v1/dashboards/ops-overview/widgets/cpu/export.csv")).ProblemAsync(404);
        var unknown = await (await client.GetAsync("/api/v1/dashboards/rooms/widgets/nope/export.csv")).ProblemAsync(404);
        Assert.Contains("no widget 'nope'", unknown.GetProperty("detail").GetString());
        var text = await (await client.GetAsync("/api/v1/dashboards/rooms/widgets/notes/export.csv")).ProblemAsync(404);
        Assert.Equal("This widget has no data", text.GetProperty("title").GetString());
        Assert.Contains("PNG or PDF", text.GetProperty("detail").GetString());
        // The panel's PNG still works: the data route did not take its place.
        Assert.Equal("image/png", (await client.GetAsync("/api/v1/dashboards/rooms/widgets/notes/export.png")).Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task LongestSlugAndWidgetId_GiveAValidFileNameWithTheDate_NeverAFilenameError()
    {
        var (_, client) = await DashboardAsync();
        // The longest a dashboard allows (slug 63, widget id 64); longer generated names are covered below.
        var slug = "rooms-" + new string('s', 57);
        var widget = "temp-" + new string('w', 59);
        var created = await client.PostJsonAsync("/api/v1/dashboards", new
        {
            slug, title = "Rooms, long",
            layout = new
            {
                timeframe = new { last = "24h" }, timezone = "UTC",
                widgets = new object[]
                {
                    new { id = widget, type = "line", title = "Temperature", x = 0, y = 0, w = 8, h = 4,
                          query = new { source = "rooms", metrics = new[] { "temp" }, granularity = "1h", groupBy = new[] { "host" }, aggregations = new[] { "avg" } } },
                },
            },
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var r = await client.GetAsync($"/api/v1/dashboards/{slug}/widgets/{widget}/export.csv");
        Assert.True(r.StatusCode == HttpStatusCode.OK, await r.Content.ReadAsStringAsync());
        var name = r.Content.Headers.ContentDisposition?.FileNameStar!;
        Assert.Equal($"{slug}-{widget}-{DateTime.UtcNow:yyyy-MM-dd}.csv", name);
    }

    [Theory]
    [InlineData(300, 300)]
    [InlineData(10, 10)]
    public void GeneratedFileName_KeepsTheDate_AndFitsTheLimit(int slugLength, int widgetLength)
    {
        var now = new DateTimeOffset(2026, 11, 30, 5, 0, 0, TimeSpan.Zero);
        var name = Exports.Features.ExportSeries.ExportWidgetData.FileName(new string('s', slugLength), new string('w', widgetLength), now);
        Assert.EndsWith("-2026-11-30", name);
        Assert.InRange(name.Length, 1, Exports.Shared.FileNames.MaxLength);
        Assert.Equal(name, Exports.Shared.FileNames.Sanitize(name));
        Assert.Equal("widget-2026-11-30", Exports.Features.ExportSeries.ExportWidgetData.FileName("///", "...", now));
    }
}
