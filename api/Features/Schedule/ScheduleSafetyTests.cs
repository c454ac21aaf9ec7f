using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Exports.Host;
using Exports.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Exports.Tests.Features.Schedule;

/// <summary>Schedules either change whole or not at all: crons that never fire, dates out of range and schedules
/// firing more often than the minimum interval are 400s that write nothing; a Quartz failure (injected with a
/// PostgreSQL trigger on Quartz's own table) leaves the row and the trigger as they were; refused ticks fold into
/// one run.</summary>
[Collection(ApiCollection.Name)]
public sealed class ScheduleSafetyTests(ApiFixture api)
{
    /// <summary>A fresh owner (so row counts are this test's alone) with a template of a text-only layout.</summary>
    async Task<(Guid Owner, HttpClient Client, string Template)> OwnerAsync()
    {
        var (owner, c) = await api.NewUserAsync();
        var r = await c.PostJsonAsync("/api/v1/templates", new { name = "safe-" + Guid.NewGuid().ToString("N")[..8], request = JobTestKit.TextLayout() });
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        return (owner, c, (await r.JsonAsync()).GetProperty("id").GetString()!);
    }

    Task<long> SchedulesOf(Guid owner) => api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_doc_schedule WHERE owner_id = $1", owner);

    /// <summary>The cron triggers of every schedule Quartz holds, with their cron expressions.</summary>
    async Task<Dictionary<string, string>> TriggersAsync() =>
        (await api.RowsAsync("SELECT t.trigger_name, c.cron_expression FROM qrtz_triggers t JOIN qrtz_cron_triggers c USING (sched_name, trigger_name, trigger_group) WHERE t.trigger_group = 'schedules'"))
            .ToDictionary(r => (string)r[0]!, r => (string)r[1]!);

    static string TriggerName(string id) => $"schedule-{Guid.Parse(id):N}";

    /// <summary>Makes Quartz fail to store any trigger with this cron expression (a PostgreSQL trigger on
    /// qrtz_cron_triggers), until disposed.</summary>
    async Task<IAsyncDisposable> FailQuartzForAsync(string cron)
    {
        var fn = "fail_" + Guid.NewGuid().ToString("N")[..12];
        await api.ScalarAsync<int>($"""
            CREATE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.cron_expression = '{cron}' THEN RAISE EXCEPTION 'injected Quartz failure'; END IF; RETURN NEW; END $$;
            CREATE TRIGGER {fn} BEFORE INSERT OR UPDATE ON qrtz_cron_triggers FOR EACH ROW EXECUTE FUNCTION {fn}();
            SELECT 1
            """);
        return new Undo(async () => await api.ScalarAsync<int>($"DROP TRIGGER {fn} ON qrtz_cron_triggers; DROP FUNCTION {fn}(); SELECT 1"));
    }

    sealed class Undo(Func<Task> undo) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await undo();
    }

    [Theory]
    [InlineData("0 0 0 1 1 ? 2020")]
    [InlineData("0 0 0 31 2 ? *")]
    public async Task CronThatNeverFires_Is400OnCron_AndSavesNothing(string cron)
    {
        var (owner, c, template) = await OwnerAsync();
        var triggers = await TriggersAsync();
        var p = await (await c.PostJsonAsync("/api/v1/schedules", new { templateId = template, cron, timezone = "UTC" })).ProblemAsync(400, "cron");
        Assert.Contains("never fires", p.GetProperty("errors").GetProperty("cron")[0].GetString());
        Assert.Equal(0, await SchedulesOf(owner));
        Assert.Equal(triggers.Keys.Order(), (await TriggersAsync()).Keys.Order());
    }

    [Fact]
    public async Task DatesOutOfRange_Are400OnTheField_AndTheListStillAnswers()
    {
        var (owner, c, template) = await OwnerAsync();
        await (await c.PostJsonAsync("/api/v1/schedules", new { templateId = template, cron = "0 0 9 * * ?", startAt = "9999-12-31T00:00:00Z" })).ProblemAsync(400, "startAt");
        await (await c.PostJsonAsync("/api/v1/schedules", new { templateId = template, cron = "0 0 9 * * ?", startAt = "1970-01-01T00:00:00Z" })).ProblemAsync(400, "startAt");
        await (await c.PostJsonAsync("/api/v1/schedules", new { templateId = template, cron = "0 0 9 * * ?", endAt = "9999-12-31T00:00:00Z" })).ProblemAsync(400, "endAt");
        await (await c.PostJsonAsync("/api/v1/schedules", new { templateId = template, cron = "0 0 9 * * ?", endAt = DateTimeOffset.UtcNow.AddDays(-1) })).ProblemAsync(400, "endAt");
        // First fire in 2099, endAt in ten days: it would never run.
        await (await c.PostJsonAsync("/api/v1/schedules", new { templateId = template, cron = "0 0 9 1 1 ? 2099", endAt = DateTimeOffset.UtcNow.AddDays(10) })).ProblemAsync(400, "endAt");
        Assert.Equal(0, await SchedulesOf(owner));
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("/api/v1/schedules")).StatusCode);
    }

    [Fact]
    public async Task RowSavedBeforeDatesWereChecked_StillLists_AndDeletes()
    {
        var (owner, c, template) = await OwnerAsync();
        var id = Guid.NewGuid();
        // As the importer brings such a row over from the old table (its spec read as the old version read it).
        await using (var docs = api.Host.Services.GetRequiredService<Marten.IDocumentStore>().LightweightSession())
        {
            docs.Insert(new Exports.Features.Schedule.ExportSchedule
            {
                Id = id, OwnerId = owner, TemplateId = Guid.Parse(template), Name = "legacy", Cron = "0 0 9 * * ?", Timezone = "UTC", Active = true,
                Spec = LegacyImport.ScheduleSpecOf("""{"cron":"0 0 9 * * ?","startAt":"9999-12-31T00:00:00+00:00"}"""),
                CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow,
            });
            await docs.SaveChangesAsync();
        }
        var list = await (await c.GetAsync("/api/v1/schedules")).JsonAsync();
        Assert.Empty(Assert.Single(list.EnumerateArray()).GetProperty("nextRuns").EnumerateArray());
        Assert.Equal(HttpStatusCode.NoContent, (await c.DeleteAsync($"/api/v1/schedules/{id}")).StatusCode);
        Assert.Equal(0, await SchedulesOf(owner));
    }

    [Theory]
    [InlineData("* * * * * ?")]
    [InlineData("0,1 * * * * ?")] // irregular: 1 s, then 59 s
    public async Task FiringMoreOftenThanTheMinimumInterval_Is400NamingTheLimit(string cron)
    {
        var (owner, c, template) = await OwnerAsync();
        var limit = api.Host.Services.GetRequiredService<ExportsSettings>().Jobs.ScheduleMinInterval;
        var p = await (await c.PostJsonAsync("/api/v1/schedules", new { templateId = template, cron, timezone = "UTC" })).ProblemAsync(400, "cron");
        var message = p.GetProperty("errors").GetProperty("cron")[0].GetString()!;
        Assert.Contains("EXPORTS_SCHEDULE_MIN_INTERVAL_SECONDS", message);
        Assert.Contains($"once every {limit.TotalSeconds:0} s", message);
        Assert.Equal(0, await SchedulesOf(owner));
    }

    [Fact]
    public async Task QuartzFailingOnCreate_Answers503_AndLeavesNoRowAndNoTrigger()
    {
        var (owner, c, template) = await OwnerAsync();
        var triggers = await TriggersAsync();
        await using (await FailQuartzForAsync("0 17 3 * * ?"))
        {
            var r = await c.PostJsonAsync("/api/v1/schedules", new { templateId = template, cron = "0 17 3 * * ?", timezone = "UTC" });
            await r.ProblemAsync(503);
            Assert.NotNull(r.Headers.RetryAfter);
        }
        Assert.Equal(0, await SchedulesOf(owner));
        Assert.Equal(triggers.Keys.Order(), (await TriggersAsync()).Keys.Order());
    }

    [Fact]
    public async Task QuartzFailingOnPutAndResume_Answers503_AndChangesNothing()
    {
        var (_, c, template) = await OwnerAsync();
        var created = await (await c.PostJsonAsync("/api/v1/schedules", new { templateId = template, cron = "0 0 9 * * ?", timezone = "UTC", name = "before" })).JsonAsync();
        var id = created.GetProperty("id").GetString()!;
        async Task<object?[]> Row() => (await api.RowsAsync($"SELECT data ->> 'name', data ->> 'cron', (data -> 'spec')::text, (data ->> 'active')::bool, data ->> 'updatedAt' FROM {Documents.Schema}.mt_doc_schedule WHERE id = $1", Guid.Parse(id))).Single();
        var before = await Row();
        Assert.Equal("0 0 9 * * ?", (await TriggersAsync())[TriggerName(id)]);

        await using (await FailQuartzForAsync("0 17 3 * * ?"))
            await (await c.PutAsync($"/api/v1/schedules/{id}", JsonContent.Create(new { templateId = template, cron = "0 17 3 * * ?", timezone = "UTC", name = "after" }))).ProblemAsync(503);
        Assert.Equal(before, await Row());
        Assert.Equal("0 0 9 * * ?", (await TriggersAsync())[TriggerName(id)]);

        Assert.Equal(HttpStatusCode.OK, (await c.PostAsync($"/api/v1/schedules/{id}/pause", null)).StatusCode);
        Assert.False((await TriggersAsync()).ContainsKey(TriggerName(id)));
        await using (await FailQuartzForAsync("0 0 9 * * ?"))
            await (await c.PostAsync($"/api/v1/schedules/{id}/resume", null)).ProblemAsync(503);
        Assert.False((bool)(await Row())[3]!);
        Assert.False((await TriggersAsync()).ContainsKey(TriggerName(id)));

        var resumed = await (await c.PostAsync($"/api/v1/schedules/{id}/resume", null)).JsonAsync();
        Assert.True(resumed.GetProperty("active").GetBoolean());
        Assert.Equal("0 0 9 * * ?", (await TriggersAsync())[TriggerName(id)]);
        Assert.Equal(HttpStatusCode.NoContent, (await c.DeleteAsync($"/api/v1/schedules/{id}")).StatusCode);
        Assert.False((await TriggersAsync()).ContainsKey(TriggerName(id)));
    }

    [Fact]
    public async Task ResumingAScheduleWhoseEndHasPassed_Is409_AndChangesNothing()
    {
        var (_, c, template) = await OwnerAsync();
        var id = (await (await c.PostJsonAsync("/api/v1/schedules", new { templateId = template, cron = "0 0 9 * * ?", endAt = DateTimeOffset.UtcNow.AddDays(30) })).JsonAsync()).GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await c.PostAsync($"/api/v1/schedules/{id}/pause", null)).StatusCode);
        // Time passes: the schedule's end is now behind it.
        await api.ScalarAsync<int>($"UPDATE {Documents.Schema}.mt_doc_schedule SET data = jsonb_set(data, '{{spec,endAt}}', to_jsonb($2::text)) WHERE id = $1 RETURNING 1", Guid.Parse(id), DateTimeOffset.UtcNow.AddDays(-1).ToString("O"));
        await (await c.PostAsync($"/api/v1/schedules/{id}/resume", null)).ProblemAsync(409);
        Assert.False(await api.ScalarAsync<bool>($"SELECT (data ->> 'active')::bool FROM {Documents.Schema}.mt_doc_schedule WHERE id = $1", Guid.Parse(id)));
        Assert.False((await TriggersAsync()).ContainsKey(TriggerName(id)));
        await c.DeleteAsync($"/api/v1/schedules/{id}");
    }

    [Fact]
    public async Task TicksRefusedByTheQuota_FoldIntoOneRun_UntilARunIsQueued()
    {
        var (owner, c, template) = await OwnerAsync();
        var perHour = api.Host.Services.GetRequiredService<ExportsSettings>().Jobs.QuotaPerHour;
        await api.ScalarAsync<int>("INSERT INTO export_submissions (job_id, owner_id, submitted_at) SELECT gen_random_uuid(), $1, now() FROM generate_series(1, $2) RETURNING 1", owner, perHour);
        var id = (await (await c.PostJsonAsync("/api/v1/schedules", new { templateId = template, cron = "*/2 * * * * ?", timezone = "UTC" })).JsonAsync()).GetProperty("id").GetString()!;
        var sid = Guid.Parse(id);
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(45);
            while (await api.ScalarAsync<int>("SELECT coalesce(max(repeats), 0) FROM schedule_runs WHERE schedule_id = $1", sid) < 2)
            {
                Assert.True(DateTime.UtcNow < deadline, "Refused ticks were not folded.");
                await Task.Delay(200);
            }
            var run = Assert.Single((await (await c.GetAsync($"/api/v1/schedules/{id}/runs")).JsonAsync()).EnumerateArray());
            Assert.Equal("refused", run.GetProperty("status").GetString());
            Assert.Contains("Too many exports this hour", run.GetProperty("error").GetString());
            Assert.True(run.GetProperty("repeats").GetInt32() >= 2);
            Assert.True(run.GetProperty("lastScheduledFor").GetDateTimeOffset() > run.GetProperty("scheduledFor").GetDateTimeOffset());

            await api.ScalarAsync<long>("WITH d AS (DELETE FROM export_submissions WHERE owner_id = $1 RETURNING 1) SELECT count(*) FROM d", owner);
            while (await api.ScalarAsync<long>("SELECT count(*) FROM schedule_runs WHERE schedule_id = $1 AND status = 'queued' AND export_id IS NOT NULL", sid) < 1)
            {
                Assert.True(DateTime.UtcNow < deadline, "No tick was queued after the quota freed up.");
                await Task.Delay(200);
            }
            Assert.Equal(1L, await api.ScalarAsync<long>("SELECT count(*) FROM schedule_runs WHERE schedule_id = $1 AND status = 'refused'", sid));
        }
        finally { await c.DeleteAsync($"/api/v1/schedules/{id}"); }
    }
}
