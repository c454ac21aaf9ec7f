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
}
