using System.Globalization;
using System.Text;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.ExportSeries;

/// <summary>Hourly and daily buckets in zones whose UTC offset is not a whole hour (and one that is), over more than
/// 7 days, compared bucket by bucket with SQL on the raw points grouped by local time.</summary>
[Collection(ApiCollection.Name)]
public sealed class ZoneBucketTests(ApiFixture api)
{
    [Theory]
    [InlineData("Asia/Kolkata", "1h")]
    [InlineData("Asia/Kolkata", "1d")]
    [InlineData("Asia/Kathmandu", "1h")]
    [InlineData("Asia/Kathmandu", "1d")]
    [InlineData("Australia/Adelaide", "1h")]
    [InlineData("Australia/Adelaide", "1d")]
    [InlineData("Pacific/Chatham", "1h")]
    [InlineData("Pacific/Chatham", "1d")]
    [InlineData("America/St_Johns", "1h")]
    [InlineData("America/St_Johns", "1d")]
    [InlineData("America/New_York", "1h")]
    [InlineData("America/New_York", "1d")]
    [InlineData("UTC", "1w")]
    public async Task EveryBucket_HoldsTheSpanItsLabelSays(string zone, string granularity)
    {
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromDays(10));
        var r = await api.Demo().PostJsonAsync("/api/v1/exports/series", new
        {
            source = "servers", metrics = new[] { "cpu_percent" }, granularity, groupBy = new[] { "server" },
            aggregations = new[] { "avg", "min", "max", "count" }, timezone = zone, format = "csv",
            timeframe = new { from = from.ToString("O"), to = to.ToString("O") },
        });
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        var rows = Files.ReadCsv(Encoding.UTF8.GetString(await r.Content.ReadAsByteArrayAsync()));
        var unit = granularity switch { "1h" => "hour", "1d" => "day", _ => "week" };
        var expected = await api.RowsAsync($"""
            SELECT s.tags->>'server', date_trunc('{unit}', p.ts AT TIME ZONE $3), avg(p.value), min(p.value), max(p.value), count(p.value)
            FROM points p JOIN series s ON s.id = p.series_id
            WHERE s.metric = 'cpu_percent' AND p.ts >= $1 AND {Demo} AND p.ts < $2 GROUP BY 1, 2
            """, from, to, zone);
        var tz = TimeZoneInfo.FindSystemTimeZoneById(zone);
        var got = rows.ToDictionary(x => (x["server"], TimeZoneInfo.ConvertTime(DateTimeOffset.Parse(x["time"], CultureInfo.InvariantCulture), tz).DateTime));
        Assert.Equal(expected.Count, rows.Count);
        foreach (var e in expected)
        {
            var row = got[((string)e[0]!, (DateTime)e[1]!)];
            Assert.Equal((double)e[2]!, Files.D(row["avg"]), 1e-9);
            Assert.Equal((double)e[3]!, Files.D(row["min"]));
            Assert.Equal((double)e[4]!, Files.D(row["max"]));
            Assert.Equal((long)e[5]!, long.Parse(row["count"], CultureInfo.InvariantCulture));
        }
        // Local hours in zones whose offset is not a whole hour come from raw points; days from the hourly rollup.
        Assert.Equal(granularity == "1h" && zone != "America/New_York" ? "raw" : zone == "UTC" ? "daily" : "hourly", r.Headers.GetValues("Export-Tier").Single());
    }

    const string Demo = ApiFixture.DemoServers;

    [Fact]
    public async Task HalfHourZone_BeyondTheRawLimit_IsAFieldErrorThatSaysWhy()
    {
        var p = await (await api.Demo().PostJsonAsync("/api/v1/exports/series", new
        {
            source = "servers", metrics = new[] { "cpu_percent" }, granularity = "1h", timezone = "Asia/Kolkata",
            timeframe = new { last = "500d" },
        })).ProblemAsync(400, "timeframe");
        var why = p.GetProperty("errors").GetProperty("timeframe")[0].GetString();
        Assert.Contains("+05:30", why);
        Assert.Contains("EXPORTS_BUCKETS_FROM_RAW_MAX_DAYS", why);
    }

    /// <summary>Across daylight-saving changes, including Lord Howe's half-hour one and a repeated local hour: every
    /// bucket (an instant from PostgreSQL's date_trunc in the zone, so a repeated hour is two buckets) holds what SQL on
    /// the raw points says, on the tier the planner picks for 12 days (hourly rollup, raw pieces of split hours).</summary>
    [Theory]
    [InlineData("Australia/Adelaide", "1h", "2026-03-29")]
    [InlineData("Australia/Adelaide", "1d", "2026-03-29")]
    [InlineData("Australia/Lord_Howe", "1h", "2026-03-29")]
    [InlineData("Australia/Lord_Howe", "1d", "2026-03-29")]
    [InlineData("America/New_York", "1h", "2026-10-27")]
    [InlineData("America/New_York", "1d", "2026-10-27")]
    [InlineData("Europe/London", "1d", "2026-10-20")]
    [InlineData("America/St_Johns", "1d", "2026-10-27")]
    public async Task AcrossDaylightSaving_EveryBucketHoldsItsSpan(string zone, string granularity, string start)
    {
        var (owner, client) = await api.NewUserAsync();
        Assert.Equal(System.Net.HttpStatusCode.Created, (await client.PostJsonAsync("/api/v1/sources", new { name = "meters", kind = "timeseries" })).StatusCode);
        var t0 = DateTime.Parse(start, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        var csv = new StringBuilder("timestamp,metric,value,meter\n");
        for (var i = 0; i < 12 * 144; i++)
            foreach (var meter in new[] { "m1", "m2" })
                csv.Append(CultureInfo.InvariantCulture, $"{t0.AddMinutes(i * 10 + 3):O},power,{Math.Sin(i / 9.0) * 50 + (meter == "m1" ? 100 : 7) + i % 7 * 0.125},{meter}\n");
        var ingest = await client.PostAsync("/api/v1/sources/meters/points", new StringContent(csv.ToString(), Encoding.UTF8, "text/csv"));
        Assert.True(ingest.IsSuccessStatusCode, await ingest.Content.ReadAsStringAsync());

        var (from, to) = (t0.AddHours(5), t0.AddDays(12).AddHours(-5)); // both ends cut a local day
        var r = await client.PostJsonAsync("/api/v1/exports/series", new
        {
            source = "meters", metrics = new[] { "power" }, granularity, groupBy = new[] { "meter" },
            aggregations = new[] { "avg", "min", "max", "count", "sum" }, timezone = zone, format = "csv",
            timeframe = new { from = from.ToString("O"), to = to.ToString("O") },
        });
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        var rows = Files.ReadCsv(Encoding.UTF8.GetString(await r.Content.ReadAsByteArrayAsync()));
        var expected = await api.RowsAsync($"""
            SELECT s.tags->>'meter', date_trunc('{(granularity == "1h" ? "hour" : "day")}', p.ts, $3), avg(p.value), min(p.value), max(p.value), count(p.value), sum(p.value)
            FROM points p JOIN series s ON s.id = p.series_id JOIN sources src ON src.id = s.source_id
            WHERE src.owner_id = $4 AND p.ts >= $1 AND p.ts < $2 GROUP BY 1, 2
            """, from, to, zone, owner);
        Assert.Equal(expected.Count, rows.Count);
        var got = rows.ToDictionary(x => (x["meter"], DateTimeOffset.Parse(x["time"], CultureInfo.InvariantCulture).UtcDateTime));
        foreach (var e in expected)
        {
            var row = got[((string)e[0]!, ((DateTime)e[1]!).ToUniversalTime())];
            Assert.Equal((double)e[2]!, Files.D(row["avg"]), 1e-9);
            Assert.Equal((double)e[3]!, Files.D(row["min"]));
            Assert.Equal((double)e[4]!, Files.D(row["max"]));
            Assert.Equal((long)e[5]!, long.Parse(row["count"], CultureInfo.InvariantCulture));
            Assert.Equal((double)e[6]!, Files.D(row["sum"]), 1e-9);
        }
    }
}
