using System.Net;
using System.Text.Json;
using Exports.Host;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.Schedule;

/// <summary>POST /schedules/preview: the next runs of a schedule being edited, before it is saved. Checked against
/// the zone's own offsets, against the window, and against what the same body does once saved (GET /next).</summary>
[Collection(ApiCollection.Name)]
public sealed class SchedulePreviewTests(ApiFixture api)
{
    static async Task<JsonElement> PreviewAsync(HttpClient c, object body, int? count = null)
    {
        var r = await c.PostJsonAsync("/api/v1/schedules/preview" + (count is { } n ? $"?count={n}" : ""), body);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement;
    }

    [Fact]
    public async Task DailyInBerlin_RunsAtNineLocal_WithTheZonesOffset_InOrder()
    {
        var p = await PreviewAsync(api.Demo(), new { frequency = new { every = "daily", time = "09:00" }, timezone = "Europe/Berlin" }, 7);
        Assert.Equal("0 0 9 * * ?", p.GetProperty("cron").GetString());
        Assert.Equal("Europe/Berlin", p.GetProperty("timezone").GetString());
        var runs = p.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("at").GetDateTimeOffset()).ToList();
        Assert.Equal(7, runs.Count);
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        Assert.All(runs, r => Assert.Equal((9, 0, berlin.GetUtcOffset(r)), (r.Hour, r.Minute, r.Offset)));
        Assert.True(runs[0] > DateTimeOffset.UtcNow && runs[0] <= DateTimeOffset.UtcNow.AddDays(1));
        for (var i = 1; i < runs.Count; i++) Assert.Equal(runs[i - 1].Date.AddDays(1), runs[i].Date);
        Assert.All(p.GetProperty("runs").EnumerateArray(), r => Assert.False(r.TryGetProperty("waitsUntil", out _)));
    }

    [Fact]
    public async Task ChangingTheZone_MovesTheRuns_ToTheSameLocalTimeThere()
    {
        var c = api.Demo();
        var ny = (await PreviewAsync(c, new { cron = "30 7 * * 1-5", timezone = "America/New_York" })).GetProperty("runs");
        var kolkata = (await PreviewAsync(c, new { cron = "30 7 * * 1-5", timezone = "Asia/Kolkata" })).GetProperty("runs");
        var nyZone = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        foreach (var (runs, zone) in new[] { (ny, nyZone), (kolkata, TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata")) })
        {
            var at = runs.EnumerateArray().Select(r => r.GetProperty("at").GetDateTimeOffset()).ToList();
            Assert.Equal(5, at.Count);
            Assert.All(at, t => Assert.Equal((7, 30, zone.GetUtcOffset(t)), (t.Hour, t.Minute, t.Offset)));
            Assert.All(at, t => Assert.InRange((int)t.DayOfWeek, 1, 5));
        }
        Assert.NotEqual(ny[0].GetProperty("at").GetDateTimeOffset().UtcDateTime, kolkata[0].GetProperty("at").GetDateTimeOffset().UtcDateTime);
    }

    [Fact]
    public async Task RunsOutsideTheWindow_SayWhenTheyStart()
    {
        // Hourly at :15, window 10:00-12:00 in Tokyo: 10:15 and 11:15 run at once; the others wait for 10:00.
        var p = await PreviewAsync(api.Demo(), new { frequency = new { every = "hourly", minute = 15 }, timezone = "Asia/Tokyo", window = "10:00-12:00" }, 20);
        var runs = p.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(20, runs.Count);
        foreach (var r in runs)
        {
            var at = r.GetProperty("at").GetDateTimeOffset();
            Assert.Equal(TimeSpan.FromHours(9), at.Offset);
            if (at.Hour is 10 or 11) Assert.False(r.TryGetProperty("waitsUntil", out _), $"{at} is inside the window");
            else
            {
                var waits = r.GetProperty("waitsUntil").GetDateTimeOffset();
                Assert.Equal((10, 0, TimeSpan.FromHours(9)), (waits.Hour, waits.Minute, waits.Offset));
                Assert.True(waits > at && waits - at < TimeSpan.FromDays(1), $"{at} waits until {waits}");
            }
        }
    }

    [Fact]
    public async Task ThePreview_IsWhatTheSavedScheduleThenDoes()
    {
        var c = api.Demo();
        var template = (await (await c.PostJsonAsync("/api/v1/templates", new
        {
            name = "preview-" + Guid.NewGuid().ToString("N")[..8],
            request = new { kind = "series", format = "csv", series = new { source = "servers", metrics = new[] { "load_avg" }, granularity = "1h", timeframe = new { last = "6h" } } },
        })).JsonAsync()).GetProperty("id").GetString();
        var body = new { templateId = template, frequency = new { every = "weekly", time = "06:45", days = new[] { "TUE", "SAT" } }, timezone = "Australia/Lord_Howe" };
        var preview = (await PreviewAsync(c, body, 6)).GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("at").GetDateTimeOffset()).ToList();
        var created = await (await c.PostJsonAsync("/api/v1/schedules", body)).JsonAsync();
        var id = created.GetProperty("id").GetString();
        var saved = (await (await c.GetAsync($"/api/v1/schedules/{id}/next?count=6")).JsonAsync()).EnumerateArray().Select(x => x.GetDateTimeOffset()).ToList();
        await c.DeleteAsync($"/api/v1/schedules/{id}");
        Assert.Equal(6, preview.Count);
        Assert.Equal(saved, preview);
        Assert.Equal(saved.Select(s => s.Offset), preview.Select(p => p.Offset));
    }

    [Fact]
    public async Task BadSpecs_AreProblemDetailsOnTheirFields_AndNothingIsStored()
    {
        var c = api.Demo();
        var before = await api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_doc_schedule");
        var cron = await (await c.PostJsonAsync("/api/v1/schedules/preview", new { cron = "61 * * * *", timezone = "UTC" })).ProblemAsync(400, "cron");
        Assert.StartsWith("Not a valid cron expression", cron.GetProperty("errors").GetProperty("cron")[0].GetString());
        await (await c.PostJsonAsync("/api/v1/schedules/preview", new { cron = "0 9 * * *", timezone = "Mars/Olympus" })).ProblemAsync(400, "timezone");
        await (await c.PostJsonAsync("/api/v1/schedules/preview", new { cron = "0 9 * * *", timezone = "Pacific Standard Time" })).ProblemAsync(400, "timezone");
        await (await c.PostJsonAsync("/api/v1/schedules/preview", new { frequency = new { every = "daily", time = "25:00" }, timezone = "UTC" })).ProblemAsync(400, "frequency.time");
        await (await c.PostJsonAsync("/api/v1/schedules/preview", new { cron = "0 9 * * *", timezone = "UTC", window = "9-5" })).ProblemAsync(400, "window");
        await (await c.PostJsonAsync("/api/v1/schedules/preview", new { cron = "0 0 0 30 2 ?", timezone = "UTC" })).ProblemAsync(400, "cron");
        await (await c.PostJsonAsync("/api/v1/schedules/preview", new { cron = "* * * * * ?", timezone = "UTC" })).ProblemAsync(400, "cron");
        await (await c.PostJsonAsync("/api/v1/schedules/preview?count=0", new { cron = "0 9 * * *", timezone = "UTC" })).ProblemAsync(400, "count");
        await (await c.PostJsonAsync("/api/v1/schedules/preview?count=21", new { cron = "0 9 * * *", timezone = "UTC" })).ProblemAsync(400, "count");
        await (await c.PostJsonAsync("/api/v1/schedules/preview", new { timezone = "UTC" })).ProblemAsync(400, "frequency");
        Assert.Equal(before, await api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_doc_schedule"));
    }

    [Fact]
    public async Task Count_ComesFromTheQueryOnly_AndTheQueryCannotReplaceTheBody()
    {
        var c = api.Demo();
        var r = await c.PostJsonAsync("/api/v1/schedules/preview?count=3&cron=0%200%201%201%20%3F&timezone=Asia/Tokyo", new { cron = "0 9 * * *", timezone = "UTC", count = 7 });
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, text);
        var p = JsonDocument.Parse(text).RootElement;
        Assert.Equal(("0 0 9 * * ?", "UTC"), (p.GetProperty("cron").GetString(), p.GetProperty("timezone").GetString()));
        Assert.Equal(3, p.GetProperty("runs").GetArrayLength());
        Assert.Equal(5, (await PreviewAsync(c, new { cron = "0 9 * * *", timezone = "UTC", count = 7 })).GetProperty("runs").GetArrayLength());
        await (await c.PostJsonAsync("/api/v1/schedules/preview?count=many", new { cron = "0 9 * * *", timezone = "UTC" })).ProblemAsync(400, "count");
    }
}
