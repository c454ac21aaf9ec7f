using System.Net;
using System.Text.Json;
using Alba;
using Exports.Host;
using Exports.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Exports.Tests.Infrastructure.JobTestKit;

namespace Exports.Tests.Features.Templates;

/// <summary>Templates: saved export requests with versions, checked like exports (plus a relative range and valid
/// placeholders), run now with overrides as background jobs, owner-scoped. Requests are Alba scenarios on the fixture's
/// host (status and headers checked by Alba, JSON read back), except the races, which need many requests in flight.</summary>
[Collection(ApiCollection.Name)]
public sealed class TemplateTests(ApiFixture api)
{
    static object Body(string name, string last = "24h", string filename = "{template}-{source}-{date:yyyyMMdd}", string format = "csv") => new
    {
        name, description = "CPU per server, hourly",
        request = new
        {
            kind = "series", format,
            series = new { source = "servers", metrics = new[] { "cpu_percent" }, granularity = "1h", groupBy = new[] { "server" }, aggregations = new[] { "avg" }, timeframe = new { last }, filename },
        },
    };

    IAlbaHost Host => api.Host;
    const string Demo = ApiFixture.DemoKey;

    [Fact]
    public async Task Create_Edit_KeepsVersions_NamesUniquePerOwner_SearchFindsIt()
    {
        var name = "Daily CPU " + Guid.NewGuid().ToString("N")[..6];
        var created = await Host.As(Demo, s =>
        {
            s.Post.Json(Body(name)).ToUrl("/api/v1/templates");
            s.StatusCodeShouldBe(HttpStatusCode.Created);
            s.Header("Location").SingleValueShouldMatch(@"^/api/v1/templates/[0-9a-f-]{36}$");
        });
        var t = await created.JsonAsync();
        var id = t.GetProperty("id").GetString()!;
        Assert.Equal($"/api/v1/templates/{id}", created.Context.Response.Headers.Location.ToString());
        Assert.Equal(1, t.GetProperty("version").GetInt32());
        await Host.ProblemAsync(Demo, 409, s => s.Post.Json(Body(name.ToUpperInvariant())).ToUrl("/api/v1/templates"));

        var edited = await (await Host.As(Demo, s => s.Put.Json(Body(name, last: "7d")).ToUrl($"/api/v1/templates/{id}"))).JsonAsync();
        Assert.Equal(2, edited.GetProperty("version").GetInt32());
        var full = await (await Host.As(Demo, s => s.Get.Url($"/api/v1/templates/{id}"))).JsonAsync();
        Assert.Equal([2, 1], full.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetInt32()));
        Assert.Equal("7d", full.GetProperty("request").GetProperty("series").GetProperty("timeframe").GetProperty("last").GetString());
        var v1 = await (await Host.As(Demo, s => s.Get.Url($"/api/v1/templates/{id}/versions/1"))).JsonAsync();
        Assert.Equal("24h", v1.GetProperty("request").GetProperty("series").GetProperty("timeframe").GetProperty("last").GetString());
        await Host.ProblemAsync(Demo, 404, s => s.Get.Url($"/api/v1/templates/{id}/versions/9"));

        var found = await (await Host.As(Demo, s => s.Get.Url("/api/v1/templates").QueryString("q", name[^6..]))).JsonAsync();
        Assert.Equal([id], found.EnumerateArray().Select(x => x.GetProperty("id").GetString()));
        var (_, stranger) = await api.NewUserWithKeyAsync();
        await Host.ProblemAsync(stranger, 404, s => s.Get.Url($"/api/v1/templates/{id}"));
        await Host.ProblemAsync(stranger, 404, s => s.Post.Url($"/api/v1/templates/{id}/run"));
        Assert.Empty((await (await Host.As(stranger, s => s.Get.Url("/api/v1/templates"))).JsonAsync()).EnumerateArray());

        await Host.As(Demo, s =>
        {
            s.Delete.Url($"/api/v1/templates/{id}");
            s.StatusCodeShouldBe(HttpStatusCode.NoContent);
        });
        await Host.ProblemAsync(Demo, 404, s => s.Get.Url($"/api/v1/templates/{id}"));
    }

    [Fact]
    public async Task BadTemplates_Return400WithTheField_AndSaveNothing()
    {
        var before = await api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_doc_template");
        await Host.ProblemAsync(Demo, 400, s => s.Post.Json(Body("")).ToUrl("/api/v1/templates"), "name");
        await Host.ProblemAsync(Demo, 400, s => s.Post.Json(Body("x1", filename: "{template}-{when}")).ToUrl("/api/v1/templates"), "request.series.filename");
        await Host.ProblemAsync(Demo, 400, s => s.Post.Json(Body("x2", format: "docx")).ToUrl("/api/v1/templates"), "request.series.format");
        await Host.ProblemAsync(Demo, 400, s => s.Post.Json(new
        {
            name = "x3", request = new { kind = "series", series = new { source = "servers", timeframe = new { from = "2026-11-01T00:00:00Z", to = "2026-11-02T00:00:00Z" } } },
        }).ToUrl("/api/v1/templates"), "request.series.timeframe");
        Assert.Equal(before, await api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_doc_template"));
    }

    [Fact]
    public async Task TemplateRules_AreReported_WhenTheDeliveryOrRetryIsAlsoWrong()
    {
        var c = api.Demo();
        var before = await api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_doc_template");
        var badRetry = new { attempts = 50, backoff = "linear", baseDelayMs = 1, maxDelayMs = 1 };
        var absolute = new { from = "2026-11-01T00:00:00Z", to = "2026-11-02T00:00:00Z" };
        // As before the typed envelope: the template's own rules are answered first, the export's checks after them.
        var range = await (await c.PostJsonAsync("/api/v1/templates", new
        {
            name = "x4", request = new { kind = "series", series = new { source = "servers", timeframe = absolute }, retry = badRetry, delivery = new { destinations = new[] { "nope" } } },
        })).ProblemAsync(400, "request.series.timeframe");
        Assert.Equal(["request.series.timeframe"], range.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        var placeholder = await (await c.PostJsonAsync("/api/v1/templates", new
        {
            name = "x5", request = new { kind = "series", series = new { source = "servers", timeframe = new { last = "24h" }, filename = "{template}-{when}" }, retry = badRetry },
        })).ProblemAsync(400, "request.series.filename");
        Assert.Equal(["request.series.filename"], placeholder.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        // Once those pass, the delivery and the retry policy are reported, in that order.
        var export = await (await c.PostJsonAsync("/api/v1/templates", new
        {
            name = "x6", request = new { kind = "series", series = new { source = "servers", timeframe = new { last = "24h" } }, retry = badRetry, delivery = new { destinations = new[] { "nope" } } },
        })).ProblemAsync(400, "request.retry");
        Assert.Equal(["request.delivery.destinations[0]", "request.retry"], export.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        Assert.Equal(before, await api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_doc_template"));
    }

    [Fact]
    public async Task RunNow_QueuesAJob_FillsInPlaceholders_AndAppliesOverrides()
    {
        var c = api.Demo();
        var name = "cpu-" + Guid.NewGuid().ToString("N")[..6];
        var id = (await (await Host.As(Demo, s =>
        {
            s.Post.Json(Body(name)).ToUrl("/api/v1/templates");
            s.StatusCodeShouldBe(HttpStatusCode.Created);
        })).JsonAsync()).GetProperty("id").GetString()!;
        var (ran, _) = await RunTrackedAsync(api.Host, c, async () =>
        {
            var r = await Host.As(Demo, s =>
            {
                s.Post.Json(new { format = "jsonl", timeframe = new { last = "6h" } }).ToUrl($"/api/v1/templates/{id}/run");
                s.StatusCodeShouldBe(HttpStatusCode.Accepted);
            });
            return (await r.JsonAsync()).GetProperty("id").GetString()!;
        });
        var job = AssertCompleted(ran);
        Assert.Equal($"{name}-servers-{DateTime.UtcNow:yyyyMMdd}.jsonl", job.GetProperty("fileName").GetString());
        Assert.Equal("jsonl", job.GetProperty("format").GetString());
        Assert.Equal("6h", job.GetProperty("request").GetProperty("series").GetProperty("timeframe").GetProperty("last").GetString());
        var text = await (await Host.As(Demo, s => s.Get.Url($"/api/v1/exports/{job.GetProperty("id").GetString()}/download"))).ReadAsTextAsync();
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(job.GetProperty("rowCount").GetInt64(), lines.Length);
        Assert.All(lines, l => Assert.True(JsonDocument.Parse(l).RootElement.TryGetProperty("server", out _)));
    }

    [Theory]
    [InlineData("{template}-{date:ffffffff}")]
    [InlineData("{template}-{date:K}")]
    [InlineData("{template}-{date:d}")]
    [InlineData("{template}-{date:yyyy/MM/dd}")]
    public async Task BadDateFormats_Are400OnTheFilename_AndSaveNothing(string filename)
    {
        var (owner, key) = await api.NewUserWithKeyAsync();
        var p = await Host.ProblemAsync(key, 400, s => s.Post.Json(new { name = "f", request = JobTestKit.TextLayout(filename) }).ToUrl("/api/v1/templates"),
            "request.layout.title");
        Assert.Contains("y M d H h m s f F t z", p.GetProperty("errors").GetProperty("request.layout.title")[0].GetString());
        Assert.Equal(0L, await api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_doc_template WHERE owner_id = $1", owner));
        await Host.As(key, s =>
        {
            s.Post.Json(new { name = "ok", request = JobTestKit.TextLayout("{template}-{date:yyyyMMddTHHmmss.fffffff}") }).ToUrl("/api/v1/templates");
            s.StatusCodeShouldBe(HttpStatusCode.Created);
        });
    }

    [Fact]
    public async Task ConcurrentCreatesWithOneName_OneIs201_TheRest409_OneRow()
    {
        var (owner, c) = await api.NewUserAsync();
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            c.PostJsonAsync("/api/v1/templates", new { name = i % 2 == 0 ? "Same" : "same", request = JobTestKit.TextLayout() })));
        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        foreach (var a in answers.Where(a => a.StatusCode != HttpStatusCode.Created)) await a.ProblemAsync(409);
        Assert.Equal(1L, await api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_doc_template WHERE owner_id = $1", owner));
    }

    [Fact]
    public async Task ConcurrentRenamesToOneName_OneIs200_TheRest409_NoVersionLeftBehind()
    {
        var (owner, c) = await api.NewUserAsync();
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
            ids.Add((await (await c.PostJsonAsync("/api/v1/templates", new { name = $"t{i}", request = JobTestKit.TextLayout() })).JsonAsync()).GetProperty("id").GetString()!);
        var answers = await Task.WhenAll(ids.Select(id =>
            c.PutAsync($"/api/v1/templates/{id}", System.Net.Http.Json.JsonContent.Create(new { name = "Target", request = JobTestKit.TextLayout() }))));
        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        foreach (var a in answers.Where(a => a.StatusCode != HttpStatusCode.OK)) await a.ProblemAsync(409);
        Assert.Equal(1L, await api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_doc_template WHERE owner_id = $1 AND lower(data ->> 'name') = 'target'", owner));
        Assert.Equal(1L, await api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_events e JOIN {Documents.Schema}.mt_doc_template t ON t.id = e.stream_id WHERE t.owner_id = $1 AND e.version > 1", owner));
        Assert.Equal(5L, await api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_doc_template WHERE owner_id = $1 AND (data ->> 'version')::int = 1", owner));
    }

    [Fact]
    public async Task EveryVersion_ReadsBackAsSaved_WithWhenItWasSaved_AndNoVersionPastTheCurrent()
    {
        var (_, c) = await api.NewUserAsync();
        var id = (await (await c.PostJsonAsync("/api/v1/templates", new { name = "v1", description = "first", request = JobTestKit.TextLayout("{template}-one") })).JsonAsync()).GetProperty("id").GetString()!;
        var saved = new List<JsonElement> { await (await c.GetAsync($"/api/v1/templates/{id}")).JsonAsync() };
        for (var i = 2; i <= 4; i++)
        {
            var r = await c.PutAsync($"/api/v1/templates/{id}", System.Net.Http.Json.JsonContent.Create(new { name = $"v{i}", description = $"number {i}", request = JobTestKit.TextLayout($"{{template}}-{i}") }));
            var body = await r.JsonAsync();
            Assert.Equal(i, body.GetProperty("version").GetInt32());
            saved.Add(body);
        }
        var full = await (await c.GetAsync($"/api/v1/templates/{id}")).JsonAsync();
        var versions = full.GetProperty("versions").EnumerateArray().Select(v => (v.GetProperty("version").GetInt32(), v.GetProperty("savedAt").GetDateTimeOffset())).ToList();
        Assert.Equal(new[] { 4, 3, 2, 1 }, versions.Select(v => v.Item1));
        for (var n = 1; n <= 4; n++)
        {
            var v = await (await c.GetAsync($"/api/v1/templates/{id}/versions/{n}")).JsonAsync();
            var want = saved[n - 1];
            Assert.Equal((n, $"v{n}", want.GetProperty("description").GetString()), (v.GetProperty("version").GetInt32(), v.GetProperty("name").GetString(), v.GetProperty("description").GetString()));
            Assert.Equal(want.GetProperty("request").GetRawText(), v.GetProperty("request").GetRawText());
            Assert.Equal(saved[0].GetProperty("createdAt").GetDateTimeOffset(), v.GetProperty("createdAt").GetDateTimeOffset());
            Assert.Equal(want.GetProperty("updatedAt").GetDateTimeOffset(), v.GetProperty("updatedAt").GetDateTimeOffset());
            Assert.Equal(versions.Single(x => x.Item1 == n).Item2, v.GetProperty("updatedAt").GetDateTimeOffset());
        }
        await (await c.GetAsync($"/api/v1/templates/{id}/versions/5")).ProblemAsync(404);
    }

    [Fact]
    public async Task ConcurrentEditsOfOneVersion_NoneIsLost_EachSavedVersionIsOneEdit()
    {
        var (owner, c) = await api.NewUserAsync();
        var id = (await (await c.PostJsonAsync("/api/v1/templates", new { name = "edited", request = JobTestKit.TextLayout() })).JsonAsync()).GetProperty("id").GetString()!;
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            c.PutAsync($"/api/v1/templates/{id}", System.Net.Http.Json.JsonContent.Create(new { name = "edited", description = $"edit {i}", request = JobTestKit.TextLayout() }))));
        var ok = new List<JsonElement>();
        foreach (var a in answers)
            if (a.StatusCode == HttpStatusCode.OK) ok.Add(await a.JsonAsync());
            else Assert.Equal("The template was changed meanwhile", (await a.ProblemAsync(409)).GetProperty("title").GetString());
        Assert.NotEmpty(ok);
        // Two edits that read the same version cannot both be saved: every saved edit is a version of its own.
        Assert.Equal(Enumerable.Range(2, ok.Count), ok.Select(x => x.GetProperty("version").GetInt32()).Order());
        var full = await (await c.GetAsync($"/api/v1/templates/{id}")).JsonAsync();
        Assert.Equal(1 + ok.Count, full.GetProperty("version").GetInt32());
        Assert.Equal((long)(1 + ok.Count), await api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_events e JOIN {Documents.Schema}.mt_doc_template t ON t.id = e.stream_id WHERE t.owner_id = $1", owner));
        foreach (var x in ok)
        {
            var v = await (await c.GetAsync($"/api/v1/templates/{id}/versions/{x.GetProperty("version").GetInt32()}")).JsonAsync();
            Assert.Equal(x.GetProperty("description").GetString(), v.GetProperty("description").GetString());
        }
    }

    [Fact]
    public async Task DeletingATemplate_DeletesItsSchedulesAndTheirRuns_NotOthers()
    {
        var (owner, c) = await api.NewUserAsync();
        async Task<string> Template(string name) =>
            (await (await c.PostJsonAsync("/api/v1/templates", new { name, request = JobTestKit.TextLayout() })).JsonAsync()).GetProperty("id").GetString()!;
        async Task<string> Schedule(string template)
        {
            var r = await c.PostJsonAsync("/api/v1/schedules", new { templateId = template, cron = "0 0 9 * * ?", timezone = "UTC" });
            Assert.Equal(HttpStatusCode.Created, r.StatusCode);
            return (await r.JsonAsync()).GetProperty("id").GetString()!;
        }
        var (doomed, kept) = (await Template("doomed"), await Template("kept"));
        var (s1, s2, s3) = (await Schedule(doomed), await Schedule(doomed), await Schedule(kept));
        Assert.Equal(HttpStatusCode.Accepted, (await c.PostAsync($"/api/v1/schedules/{s1}/run", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await c.PostAsync($"/api/v1/schedules/{s3}/run", null)).StatusCode);
        Assert.Equal(2L, await api.ScalarAsync<long>("SELECT count(*) FROM schedule_runs WHERE owner_id = $1", owner));
        Task<long> Jobs(params string[] ids) => api.ScalarAsync<long>("SELECT count(*) FROM qrtz_job_details WHERE job_group = 'schedules' AND job_name = ANY($1)",
            (object)ids.Select(id => $"schedule-{Guid.Parse(id):N}").ToArray());
        Assert.Equal(3L, await Jobs(s1, s2, s3));

        Assert.Equal(HttpStatusCode.NoContent, (await c.DeleteAsync($"/api/v1/templates/{doomed}")).StatusCode);
        await (await c.GetAsync($"/api/v1/schedules/{s1}")).ProblemAsync(404);
        await (await c.GetAsync($"/api/v1/schedules/{s2}")).ProblemAsync(404);
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync($"/api/v1/schedules/{s3}")).StatusCode);
        Assert.Equal([Guid.Parse(s3)], (await api.RowsAsync("SELECT schedule_id FROM schedule_runs WHERE owner_id = $1", owner)).Select(r => (Guid)r[0]!));
        Assert.Equal([Guid.Parse(s3)], (await api.RowsAsync($"SELECT id FROM {Documents.Schema}.mt_doc_schedule WHERE owner_id = $1", owner)).Select(r => (Guid)r[0]!));
        // Their Quartz jobs went with them; the other template's schedule keeps its own.
        Assert.Equal((0L, 1L), (await Jobs(s1, s2), await Jobs(s3)));
        await (await c.GetAsync($"/api/v1/templates/{doomed}/versions/1")).ProblemAsync(404);
        await (await c.DeleteAsync($"/api/v1/templates/{doomed}")).ProblemAsync(404);
        await c.DeleteAsync($"/api/v1/schedules/{s3}");
    }

    [Fact]
    public async Task AnAppendExpectingAVersionAnotherSaveMovedPast_IsRefused_AndSavesNothing()
    {
        var (_, c) = await api.NewUserAsync();
        var id = Guid.Parse((await (await c.PostJsonAsync("/api/v1/templates", new { name = "raced", request = JobTestKit.TextLayout() })).JsonAsync()).GetProperty("id").GetString()!);
        var store = api.Host.Services.GetRequiredService<Marten.IDocumentStore>();
        await using var query = store.QuerySession();
        var read = (await query.LoadAsync<Exports.Data.Template>(id))!;
        // Two edits that both read version 1, as UpdateTemplate appends them: the first saves version 2, the second is refused.
        Exports.Data.TemplateUpdated Edit(string name) => new(name, "", read.Request, read.OwnerId, DateTimeOffset.UtcNow);
        await using (var first = store.LightweightSession())
        {
            first.Events.Append(id, read.Version + 1, Edit("first"));
            await first.SaveChangesAsync();
        }
        await using (var second = store.LightweightSession())
        {
            second.Events.Append(id, read.Version + 1, Edit("second"));
            await Assert.ThrowsAnyAsync<JasperFx.ConcurrencyException>(() => second.SaveChangesAsync());
        }
        var now = await (await c.GetAsync($"/api/v1/templates/{id}")).JsonAsync();
        Assert.Equal(("first", 2), (now.GetProperty("name").GetString(), now.GetProperty("version").GetInt32()));
        Assert.Equal([2, 1], now.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetInt32()));
    }

    async Task<Guid> NewTemplateAsync(HttpClient c, string name) =>
        (await (await c.PostJsonAsync("/api/v1/templates", new { name, request = JobTestKit.TextLayout() })).JsonAsync()).GetProperty("id").GetGuid();

    [Fact]
    public async Task EightConcurrentDeletes_OneDeletes_TheOthersAre404()
    {
        var (_, c) = await api.NewUserAsync();
        var id = await NewTemplateAsync(c, "deleted eight times");
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => c.DeleteAsync($"/api/v1/templates/{id}")));
        Assert.Equal(HttpStatusCode.NoContent, Assert.Single(answers, a => a.StatusCode != HttpStatusCode.NotFound).StatusCode);
        foreach (var a in answers.Where(a => a.StatusCode == HttpStatusCode.NotFound))
            Assert.Equal($"No template {id}.", (await a.ProblemAsync(404)).GetProperty("detail").GetString());
        await (await c.GetAsync($"/api/v1/templates/{id}")).ProblemAsync(404);
    }

    [Fact]
    public async Task ADeleteRacingEdits_NeverFails_AndTheTemplateEndsDeletedOrChanged()
    {
        var (owner, c) = await api.NewUserAsync();
        for (var round = 0; round < 8; round++)
        {
            var id = await NewTemplateAsync(c, $"raced {round}");
            var edits = Enumerable.Range(0, 6).Select(i => c.PutAsync($"/api/v1/templates/{id}", System.Net.Http.Json.JsonContent.Create(new { name = $"raced {round}", description = $"edit {i}", request = JobTestKit.TextLayout() })));
            var delete = Task.Run(async () => { await Task.Delay(round * 5); return await c.DeleteAsync($"/api/v1/templates/{id}"); });
            var answers = await Task.WhenAll(edits.Append(delete));
            // An edit is saved (200), refused as stale (409) or finds nothing (404); the delete deletes, or is refused after one retry (409).
            foreach (var a in answers.SkipLast(1))
                Assert.True(a.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict or HttpStatusCode.NotFound, $"{(int)a.StatusCode}: {await a.Content.ReadAsStringAsync()}");
            var deleted = await delete;
            Assert.Contains(deleted.StatusCode, new[] { HttpStatusCode.NoContent, HttpStatusCode.Conflict });
            if (deleted.StatusCode == HttpStatusCode.Conflict) Assert.Equal("The template was changed meanwhile", (await deleted.ProblemAsync(409)).GetProperty("title").GetString());
            var now = await c.GetAsync($"/api/v1/templates/{id}");
            if (deleted.StatusCode == HttpStatusCode.NoContent)
            {
                // Deleted whole: no edit brought the document or any event back.
                await now.ProblemAsync(404);
                Assert.Equal(0L, await api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_events WHERE stream_id = $1", id));
                Assert.Equal(0L, await api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_doc_template WHERE id = $1", id));
            }
            else Assert.Equal(HttpStatusCode.OK, now.StatusCode);
        }
        Assert.Equal(0L, await api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_doc_template t WHERE t.owner_id = $1 AND NOT EXISTS (SELECT 1 FROM {Documents.Schema}.mt_streams s WHERE s.id = t.id)", owner));
    }

    [Fact]
    public async Task DeletingATemplate_RemovesItsStreamWithEveryVersion_NotAnotherTemplates()
    {
        var (_, c) = await api.NewUserAsync();
        var (doomed, kept) = (await NewTemplateAsync(c, "purged"), await NewTemplateAsync(c, "kept whole"));
        foreach (var (id, name) in new[] { (doomed, "purged"), (kept, "kept whole") })
            Assert.Equal(HttpStatusCode.OK, (await c.PutAsync($"/api/v1/templates/{id}", System.Net.Http.Json.JsonContent.Create(new { name, description = "secret v2", request = JobTestKit.TextLayout() }))).StatusCode);
        Task<long> Events(Guid id) => api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_events WHERE stream_id = $1", id);
        Task<long> Streams(Guid id) => api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_streams WHERE id = $1", id);
        Assert.Equal((2L, 1L, 2L, 1L), (await Events(doomed), await Streams(doomed), await Events(kept), await Streams(kept)));
        Assert.Equal(HttpStatusCode.NoContent, (await c.DeleteAsync($"/api/v1/templates/{doomed}")).StatusCode);
        Assert.Equal((0L, 0L), (await Events(doomed), await Streams(doomed)));
        Assert.Equal((2L, 1L), (await Events(kept), await Streams(kept)));
        var k = await (await c.GetAsync($"/api/v1/templates/{kept}")).JsonAsync();
        Assert.Equal((2, "secret v2"), (k.GetProperty("version").GetInt32(), k.GetProperty("description").GetString()));
        Assert.Equal("kept whole", (await (await c.GetAsync($"/api/v1/templates/{kept}/versions/1")).JsonAsync()).GetProperty("name").GetString());
        await (await c.GetAsync($"/api/v1/templates/{doomed}/versions/1")).ProblemAsync(404);
    }

    [Fact]
    public async Task ADeleteWaitsForAScheduleBeingSavedForTheTemplate_AndTakesItWithIt()
    {
        var (owner, c) = await api.NewUserAsync();
        var id = await NewTemplateAsync(c, "locked");
        var schedule = Guid.NewGuid();
        var store = api.Host.Services.GetRequiredService<Marten.IDocumentStore>();
        await using var conn = await api.Db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        // A schedule's save holding the template's lock (as ScheduleTriggers.SaveAsync does), its document not committed yet.
        await Exports.Data.TemplateLock.TakeAsync(conn, tx, [id], CancellationToken.None);
        await using (var session = store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(tx)))
        {
            session.Insert(new Exports.Features.Schedule.ExportSchedule
            {
                Id = schedule, OwnerId = owner, TemplateId = id, Name = "saved meanwhile", Cron = "0 0 9 * * ?", Timezone = "UTC", Active = true,
                Spec = LegacyImport.ScheduleSpecOf("""{"cron":"0 0 9 * * ?"}"""), CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow,
            });
            await session.SaveChangesAsync();
        }
        var delete = c.DeleteAsync($"/api/v1/templates/{id}");
        for (var i = 0; i < 200 && await api.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory' AND query LIKE '%hashtextextended%'") == 0; i++)
        {
            Assert.False(delete.IsCompleted, "The delete finished while a schedule of its template was being saved: it did not wait for the template's lock.");
            await Task.Delay(50);
        }
        Assert.False(delete.IsCompleted);
        await tx.CommitAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await delete).StatusCode);
        // The schedule committed first, so the delete found it and took it: no schedule is left without its template.
        Assert.Equal(0L, await api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_doc_schedule WHERE owner_id = $1", owner));
        await (await c.GetAsync($"/api/v1/schedules/{schedule}")).ProblemAsync(404);
    }

    [Fact]
    public async Task AnEditSavedAfterAnotherEditOfTheVersionItRead_Is409_AndLosesNothing()
    {
        var (_, c) = await api.NewUserAsync();
        var id = await NewTemplateAsync(c, "interleaved");
        var dest = (await (await c.PostJsonAsync("/api/v1/destinations", new { name = "inbox", kind = "email", config = new { to = new[] { "x@example.com" } } })).JsonAsync()).GetProperty("id").GetGuid();
        var text = JsonSerializer.SerializeToNode(JobTestKit.TextLayout())!.AsObject();
        text["delivery"] = JsonSerializer.SerializeToNode(new { destinations = new[] { dest } });
        Task<HttpResponseMessage> stale;
        await using (var conn = await api.Db.OpenConnectionAsync())
        await using (var tx = await conn.BeginTransactionAsync())
        {
            // The slow edit reads version 1, then checks its request's destination: it waits there while the table is locked
            // (after its read, before its save) ...
            await using (var cmd = new Npgsql.NpgsqlCommand($"LOCK TABLE {Documents.Schema}.mt_doc_destination IN ACCESS EXCLUSIVE MODE", conn, tx))
                await cmd.ExecuteNonQueryAsync();
            stale = c.PutAsync($"/api/v1/templates/{id}", System.Net.Http.Json.JsonContent.Create(new { name = "interleaved", description = "the slow edit", request = text }));
            for (var i = 0; i < 200 && await api.ScalarAsync<long>($"SELECT count(*) FROM pg_locks l JOIN pg_class r ON r.oid = l.relation WHERE r.relname = 'mt_doc_destination' AND NOT l.granted") == 0; i++)
                await Task.Delay(50);
            Assert.False(stale.IsCompleted);
            // ... while another edit of version 1 (no destination to check) is saved as version 2.
            var quick = await (await c.PutAsync($"/api/v1/templates/{id}", System.Net.Http.Json.JsonContent.Create(new { name = "interleaved", description = "the quick edit", request = JobTestKit.TextLayout() }))).JsonAsync();
            Assert.Equal(2, quick.GetProperty("version").GetInt32());
            await tx.RollbackAsync();
        }
        // The slow edit appends expecting version 1: refused, so the quick edit is not silently overwritten.
        Assert.Equal("The template was changed meanwhile", (await (await stale).ProblemAsync(409)).GetProperty("title").GetString());
        var now = await (await c.GetAsync($"/api/v1/templates/{id}")).JsonAsync();
        Assert.Equal((2, "the quick edit"), (now.GetProperty("version").GetInt32(), now.GetProperty("description").GetString()));
    }
}
