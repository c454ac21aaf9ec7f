using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Exports.Host;
using Exports.Tests.Infrastructure;
using static Exports.Tests.Infrastructure.JobTestKit;

namespace Exports.Tests.Features.Schedule;

/// <summary>Schedules through the API on the fixture's Quartz worker: validation, next fire times in the zone,
/// pause and resume, run now linked to its export, cron ticks that each run once, and the window.</summary>
[Collection(ApiCollection.Name)]
public sealed class ScheduleTests(ApiFixture api)
{
    async Task<string> TemplateAsync(HttpClient c)
    {
        var r = await c.PostJsonAsync("/api/v1/templates", new
        {
            name = "sched-" + Guid.NewGuid().ToString("N")[..8],
            request = new { kind = "series", format = "csv", series = new { source = "servers", metrics = new[] { "load_avg" }, granularity = "1h", timeframe = new { last = "6h" } } },
        });
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        return (await r.JsonAsync()).GetProperty("id").GetString()!;
    }

    static async Task<JsonElement> RunsAsync(HttpClient c, string id) => await (await c.GetAsync($"/api/v1/schedules/{id}/runs")).JsonAsync();

    [Fact]
    public async Task RetryFieldsSentAsNull_TakeTheDefaults_AsWithTheNullableRetrySpec()
    {
        var c = api.Demo();
        var template = await TemplateAsync(c);
        var r = await c.PostAsync("/api/v1/schedules", new StringContent(
            $$$"""{"templateId":"{{{template}}}","cron":"0 0 9 * * ?","timezone":"UTC","retry":{"attempts":4,"backoff":null,"baseDelayMs":null,"maxDelayMs":null,"jitter":null}}""",
            System.Text.Encoding.UTF8, "application/json"));
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.Created, body);
        var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
        var retry = (await (await c.GetAsync($"/api/v1/schedules/{id}")).JsonAsync()).GetProperty("spec").GetProperty("retry");
        Assert.Equal("""{"attempts":4,"backoff":"exponential","baseDelayMs":1000,"maxDelayMs":30000,"jitter":true}""", retry.GetRawText());
        await c.DeleteAsync($"/api/v1/schedules/{id}");
    }

    [Fact]
    public async Task DailyAtNineInBerlin_ListsNextRunsInTheZone_PausesAndResumes()
    {
        var c = api.Demo();
        var template = await TemplateAsync(c);
        var r = await c.PostJsonAsync("/api/v1/schedules", new { templateId = template, frequency = new { every = "daily", time = "09:00" }, timezone = "Europe/Berlin" });
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        var s = await r.JsonAsync();
        var id = s.GetProperty("id").GetString()!;
        Assert.Equal("0 0 9 * * ?", s.GetProperty("cron").GetString());
        var next = (await (await c.GetAsync($"/api/v1/schedules/{id}/next?count=5")).JsonAsync()).EnumerateArray().Select(x => x.GetDateTimeOffset()).ToList();
        Assert.Equal(5, next.Count);
        Assert.All(next, n => Assert.Equal((9, 0), (n.Hour, n.Minute)));
        Assert.All(next, n => Assert.Equal(TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin").GetUtcOffset(n), n.Offset));
        Assert.Equal(next.OrderBy(x => x), next);

        var paused = await (await c.PostAsync($"/api/v1/schedules/{id}/pause", null)).JsonAsync();
        Assert.False(paused.GetProperty("active").GetBoolean());
        Assert.Empty(paused.GetProperty("nextRuns").EnumerateArray());
        var resumed = await (await c.PostAsync($"/api/v1/schedules/{id}/resume", null)).JsonAsync();
        Assert.Equal(3, resumed.GetProperty("nextRuns").GetArrayLength());

        var (_, stranger) = await api.NewUserAsync();
        await (await stranger.GetAsync($"/api/v1/schedules/{id}")).ProblemAsync(404);
        await (await stranger.PostAsync($"/api/v1/schedules/{id}/run", null)).ProblemAsync(404);
        Assert.Equal(HttpStatusCode.NoContent, (await c.DeleteAsync($"/api/v1/schedules/{id}")).StatusCode);
        await (await c.GetAsync($"/api/v1/schedules/{id}")).ProblemAsync(404);
    }

    [Fact]
    public async Task BadSchedules_Return400NamingTheField_AndSaveNothing()
    {
        var c = api.Demo();
        var template = await TemplateAsync(c);
        var before = await api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_doc_schedule");
        await (await c.PostJsonAsync("/api/v1/schedules", new { templateId = template, cron = "0 9 * *", timezone = "UTC" })).ProblemAsync(400, "cron");
        await (await c.PostJsonAsync("/api/v1/schedules", new { templateId = template, frequency = new { every = "daily", time = "9am" } })).ProblemAsync(400, "frequency.time");
        await (await c.PostJsonAsync("/api/v1/schedules", new { templateId = template, frequency = new { every = "daily", time = "09:00" }, timezone = "Mars/Olympus" })).ProblemAsync(400, "timezone");
        await (await c.PostJsonAsync("/api/v1/schedules", new { templateId = template, cron = "0 9 * * *", window = "9-5" })).ProblemAsync(400, "window");
        await (await c.PostJsonAsync("/api/v1/schedules", new { templateId = template, cron = "0 9 * * *", retry = new { attempts = 50, backoff = "random" } })).ProblemAsync(400, "retry.attempts");
        var (_, stranger) = await api.NewUserAsync();
        await (await stranger.PostJsonAsync("/api/v1/schedules", new { templateId = template, cron = "0 9 * * *" })).ProblemAsync(400, "templateId");
        Assert.Equal(before, await api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_doc_schedule"));
    }

    [Fact]
    public async Task BadScheduleOnCreateEditOrPreview_IsOneProblemTitledAsTheSchedules_EveryFieldInOrder_AndAnUnknownIdIs404First()
    {
        var c = api.Demo();
        var template = await TemplateAsync(c);
        var bad = new { cron = "0 9 * *", name = new string('x', 101), destinations = new[] { "x" } };
        var created = await (await c.PostJsonAsync("/api/v1/schedules", bad)).ProblemAsync(400);
        Assert.Equal("The schedule is not valid", created.GetProperty("title").GetString());
        Assert.Equal(["templateId", "name", "destinations", "cron"], created.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("templateId names the template to run.", created.GetProperty("errors").GetProperty("templateId")[0].GetString());

        var id = (await (await c.PostJsonAsync("/api/v1/schedules", new { templateId = template, cron = "0 3 1 1 *" })).JsonAsync()).GetProperty("id").GetString()!;
        var edited = await (await c.PutAsync($"/api/v1/schedules/{id}", JsonContent.Create(new { templateId = template, cron = "0 9 * *" }))).ProblemAsync(400, "cron");
        Assert.Equal("The schedule is not valid", edited.GetProperty("title").GetString());
        await (await c.PutAsync($"/api/v1/schedules/{Guid.NewGuid()}", JsonContent.Create(bad))).ProblemAsync(404);
        var preview = await (await c.PostJsonAsync("/api/v1/schedules/preview?count=0", new { cron = "0 9 * *" })).ProblemAsync(400);
        Assert.Equal("The schedule is not valid", preview.GetProperty("title").GetString());
        Assert.Equal(["count", "cron"], preview.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToArray());
        await (await c.GetAsync($"/api/v1/schedules/{id}/next?count=101")).ProblemAsync(400, "count");

        // The query string cannot replace a body field (only the preview's count comes from it).
        var kept = await (await c.PutAsync($"/api/v1/schedules/{id}?cron=0%200%209%20*%20*%20%3F&name=query", JsonContent.Create(new { templateId = template, cron = "0 3 1 1 *", name = "body" }))).JsonAsync();
        Assert.Equal(("0 0 3 1 1 ?", "body"), (kept.GetProperty("cron").GetString(), kept.GetProperty("name").GetString()));
        Assert.Equal("0 3 1 1 *", kept.GetProperty("spec").GetProperty("cron").GetString());
        await c.DeleteAsync($"/api/v1/schedules/{id}");
    }

    [Fact]
    public async Task RunNow_QueuesTheTemplate_AndTheRunLinksToItsExport()
    {
        var c = api.Demo();
        var template = await TemplateAsync(c);
        var id = (await (await c.PostJsonAsync("/api/v1/schedules", new { templateId = template, cron = "0 3 1 1 *" })).JsonAsync()).GetProperty("id").GetString()!;
        JsonElement run = default;
        var (ran, _) = await RunTrackedAsync(api.Host, c, async () =>
        {
            var r = await c.PostAsync($"/api/v1/schedules/{id}/run", null);
            Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
            run = await r.JsonAsync();
            return run.GetProperty("exportId").GetString()!;
        });
        Assert.Equal(("manual", "queued"), (run.GetProperty("trigger").GetString(), run.GetProperty("status").GetString()));
        var job = AssertCompleted(ran);
        var listed = (await RunsAsync(c, id))[0];
        Assert.Equal(job.GetProperty("id").GetString(), listed.GetProperty("exportId").GetString());
        Assert.Equal("completed", listed.GetProperty("exportStatus").GetString());
        Assert.Equal(job.GetProperty("rowCount").GetInt64(), listed.GetProperty("rowCount").GetInt64());
        await c.DeleteAsync($"/api/v1/schedules/{id}");
    }

    [Fact]
    public async Task CronTicks_EachRunOnce_WithTheScheduleRetryPolicy_AndStopWhenDeleted()
    {
        var c = api.Demo();
        var template = await TemplateAsync(c);
        var id = (await (await c.PostJsonAsync("/api/v1/schedules", new
        {
            templateId = template, cron = "*/3 * * * * ?", timezone = "UTC", retry = new { attempts = 5, backoff = "linear", baseDelayMs = 200, maxDelayMs = 1000, jitter = false },
        })).JsonAsync()).GetProperty("id").GetString()!;
        var deadline = DateTime.UtcNow.AddSeconds(45);
        JsonElement runs;
        do
        {
            await Task.Delay(500);
            runs = await RunsAsync(c, id);
            Assert.True(DateTime.UtcNow < deadline, $"Fewer than two ticks ran: {runs}");
        } while (runs.GetArrayLength() < 2);
        Assert.Equal(HttpStatusCode.NoContent, (await c.DeleteAsync($"/api/v1/schedules/{id}")).StatusCode);
        var ticks = runs.EnumerateArray().ToList();
        Assert.All(ticks, t => Assert.Equal("cron", t.GetProperty("trigger").GetString()));
        Assert.Equal(ticks.Count, ticks.Select(t => t.GetProperty("scheduledFor").GetDateTimeOffset()).Distinct().Count());
        Assert.All(ticks, t => Assert.Equal(0, t.GetProperty("scheduledFor").GetDateTimeOffset().Second % 3));
        var export = await GetAsync(c, ticks[0].GetProperty("exportId").GetString()!);
        Assert.Equal(5, export.GetProperty("request").GetProperty("retry").GetProperty("attempts").GetInt32());
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT count(*) FROM export_jobs WHERE idempotency_key LIKE $1", $"schedule:{Guid.Parse(id):N}:cron:{ticks[0].GetProperty("scheduledFor").GetDateTimeOffset().UtcTicks}"));
    }

    [Fact]
    public async Task TickOutsideTheWindow_WaitsForItToOpen_OncePerOpening()
    {
        var c = api.Demo();
        var template = await TemplateAsync(c);
        var closedNow = DateTime.UtcNow.AddHours(12);
        var window = $"{closedNow:HH}:00-{closedNow.AddHours(1):HH}:00";
        var id = (await (await c.PostJsonAsync("/api/v1/schedules", new { templateId = template, cron = "*/2 * * * * ?", timezone = "UTC", window })).JsonAsync()).GetProperty("id").GetString()!;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonElement runs;
        do
        {
            await Task.Delay(500);
            runs = await RunsAsync(c, id);
            Assert.True(DateTime.UtcNow < deadline, "No tick was recorded.");
        } while (runs.GetArrayLength() < 1);
        // Two more ticks, fired and finished (Quartz's own tables say so): still one waiting run for the one opening.
        var first = runs[0].GetProperty("scheduledFor").GetDateTimeOffset();
        var name = $"schedule-{Guid.Parse(id):N}";
        while (await api.ScalarAsync<long>("SELECT coalesce(max(prev_fire_time), 0) FROM qrtz_triggers WHERE trigger_name = $1", name) < first.AddSeconds(4).UtcTicks
            || await api.ScalarAsync<long>("SELECT count(*) FROM qrtz_fired_triggers WHERE trigger_name = $1 AND state = 'EXECUTING'", name) > 0)
        {
            Assert.True(DateTime.UtcNow < deadline.AddSeconds(15), "The schedule did not tick twice more.");
            await Task.Delay(100);
        }
        runs = await RunsAsync(c, id);
        await c.DeleteAsync($"/api/v1/schedules/{id}");
        var run = Assert.Single(runs.EnumerateArray());
        Assert.Equal("waiting", run.GetProperty("status").GetString());
        Assert.Contains("Outside the window", run.GetProperty("error").GetString());
        Assert.False(run.TryGetProperty("exportId", out var e) && e.ValueKind != JsonValueKind.Null);
    }

    [Fact]
    public async Task DeletingASchedule_DeletesItsRunsAndItsQuartzJob_NotAnotherSchedules()
    {
        var (owner, c) = await api.NewUserAsync();
        var template = (await (await c.PostJsonAsync("/api/v1/templates", new { name = "notes", request = TextLayout() })).JsonAsync()).GetProperty("id").GetString()!;
        async Task<string> Schedule() =>
            (await (await c.PostJsonAsync("/api/v1/schedules", new { templateId = template, cron = "0 0 9 * * ?", timezone = "UTC" })).JsonAsync()).GetProperty("id").GetString()!;
        var (gone, kept) = (await Schedule(), await Schedule());
        foreach (var id in new[] { gone, kept })
            Assert.Equal(HttpStatusCode.Accepted, (await c.PostAsync($"/api/v1/schedules/{id}/run", null)).StatusCode);
        Task<long> Jobs(string id) => api.ScalarAsync<long>("SELECT count(*) FROM qrtz_job_details WHERE job_group = 'schedules' AND job_name = $1", $"schedule-{Guid.Parse(id):N}");
        Assert.Equal((1L, 1L), (await Jobs(gone), await Jobs(kept)));

        Assert.Equal(HttpStatusCode.NoContent, (await c.DeleteAsync($"/api/v1/schedules/{gone}")).StatusCode);
        // No foreign key does it any more (schedules are documents): the delete takes the runs in its transaction.
        Assert.Equal([Guid.Parse(kept)], (await api.RowsAsync("SELECT schedule_id FROM schedule_runs WHERE owner_id = $1", owner)).Select(r => (Guid)r[0]!));
        Assert.Equal((0L, 1L), (await Jobs(gone), await Jobs(kept)));
        await (await c.GetAsync($"/api/v1/schedules/{gone}/runs")).ProblemAsync(404);
        Assert.Single((await RunsAsync(c, kept)).EnumerateArray());
        await c.DeleteAsync($"/api/v1/schedules/{kept}");
    }

    [Fact]
    public async Task Runs_ListLatestFirst_UpToTheLimit_WithTheirStoredNames_AndOnlyForTheirOwner()
    {
        var (owner, c) = await api.NewUserAsync();
        var template = (await (await c.PostJsonAsync("/api/v1/templates", new { name = "notes", request = TextLayout() })).JsonAsync()).GetProperty("id").GetString()!;
        var id = (await (await c.PostJsonAsync("/api/v1/schedules", new { templateId = template, cron = "0 0 9 * * ?", timezone = "UTC" })).JsonAsync()).GetProperty("id").GetString()!;
        var t0 = new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
        // Four runs as rows: two started at the same instant (the later id lists first), one refused with folded ticks.
        var rows = new (Guid Id, string Trigger, int Hours, int Started, string Status, int Repeats)[]
        {
            (Guid.Parse("00000000-0000-7000-8000-000000000001"), "cron", 0, 0, "queued", 0),
            (Guid.Parse("00000000-0000-7000-8000-000000000002"), "window", 1, 10, "waiting", 0),
            (Guid.Parse("00000000-0000-7000-8000-000000000003"), "cron", 2, 10, "refused", 2),
            (Guid.Parse("00000000-0000-7000-8000-000000000004"), "manual", 3, 5, "queued", 0),
        };
        foreach (var r in rows)
        {
            await using var cmd = api.Db.CreateCommand("""
                INSERT INTO schedule_runs (id, schedule_id, owner_id, trigger, scheduled_for, started_at, status, error, repeats, last_scheduled_for)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                """);
            foreach (var v in new object[] { r.Id, Guid.Parse(id), owner, r.Trigger, t0.AddHours(r.Hours), t0.AddMinutes(r.Started), r.Status,
                         r.Status == "queued" ? DBNull.Value : $"why {r.Trigger}", r.Repeats, r.Repeats > 0 ? t0.AddDays(r.Repeats) : DBNull.Value })
                cmd.Parameters.Add(new Npgsql.NpgsqlParameter { Value = v });
            await cmd.ExecuteNonQueryAsync();
        }

        var all = (await RunsAsync(c, id)).EnumerateArray().ToList();
        Assert.Equal(["3", "2", "4", "1"], all.Select(r => r.GetProperty("id").GetString()![^1..]));
        Assert.Equal(["cron", "window", "manual", "cron"], all.Select(r => r.GetProperty("trigger").GetString()));
        Assert.Equal(["refused", "waiting", "queued", "queued"], all.Select(r => r.GetProperty("status").GetString()));
        Assert.Equal(2, all[0].GetProperty("repeats").GetInt32());
        Assert.Equal(t0.AddDays(2), all[0].GetProperty("lastScheduledFor").GetDateTimeOffset());
        Assert.Equal("why cron", all[0].GetProperty("error").GetString());
        Assert.Equal(t0.AddHours(2), all[0].GetProperty("scheduledFor").GetDateTimeOffset());
        Assert.Equal(t0.AddMinutes(10), all[0].GetProperty("startedAt").GetDateTimeOffset());
        Assert.True(!all[2].TryGetProperty("error", out var none) || none.ValueKind == JsonValueKind.Null);

        var two = (await (await c.GetAsync($"/api/v1/schedules/{id}/runs?limit=2")).JsonAsync()).EnumerateArray();
        Assert.Equal(["3", "2"], two.Select(r => r.GetProperty("id").GetString()![^1..]));
        var one = (await (await c.GetAsync($"/api/v1/schedules/{id}/runs?limit=0")).JsonAsync()).EnumerateArray();
        Assert.Equal(["3"], one.Select(r => r.GetProperty("id").GetString()![^1..]));

        var (_, other) = await api.NewUserAsync();
        await (await other.GetAsync($"/api/v1/schedules/{id}/runs")).ProblemAsync(404);
        await (await other.PostAsync($"/api/v1/schedules/{id}/run", null)).ProblemAsync(404);
        Assert.Equal(4L, await api.ScalarAsync<long>("SELECT count(*) FROM schedule_runs WHERE schedule_id = $1", Guid.Parse(id)));
        await c.DeleteAsync($"/api/v1/schedules/{id}");
    }
}
