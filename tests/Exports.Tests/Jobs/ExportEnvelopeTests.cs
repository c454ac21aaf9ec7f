using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Exports.Jobs;
using Exports.Shared;
using Exports.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Exports.Tests.Jobs;

/// <summary>The typed envelope: delivery and retry are types with one validator, RetrySpec and JobRetry are one type,
/// and JSON stored before (export_jobs.request, templates.request, schedules.spec) still reads back.</summary>
[Collection(ApiCollection.Name)]
public sealed class ExportEnvelopeTests(ApiFixture api)
{
    const string Layout = """{"title":"Notes","viewportWidth":600,"widgets":[{"id":"t","type":"text","text":"**Hello**","x":0,"y":0,"w":12,"h":2}]}""";
    const string Retry = """{"attempts":5,"backoff":"linear","baseDelayMs":200,"maxDelayMs":1000,"jitter":false}""";

    /// <summary>An envelope as the version before typed envelopes stored it (delivery kept as raw JSON).</summary>
    static string StoredBefore(string destination) =>
        $$"""{"kind":"layout","layout":{{Layout}},"format":"png","delivery":{"destinations":["{{destination}}"]},"retry":{{Retry}}}""";

    /// <summary>A layout export whose delivery is <paramref name="delivery"/> as sent; <paramref name="folded"/>: as the
    /// version before stored it (the top-level format folded into the layout, the delivery kept as sent and hashed so:
    /// an id in upper case with a property besides destinations, or an explicit null).</summary>
    static string StoredBeforeRaw(string delivery, bool folded = true) =>
        $$"""{"kind":"layout","layout":{{(folded ? "{\"format\":\"png\"," + Layout[1..] : Layout)}},"format":"png","delivery":{{delivery}}}""";

    static string UpperWithExtra(string destination) => $$"""{"destinations":["{{destination.ToUpperInvariant()}}"],"note":"ops"}""";

    /// <summary>The hash the version before stored: SHA-256 over the request's JSON as it serialized it.</summary>
    static string OldHash(string request) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(request)));

    async Task<string> DestinationAsync(HttpClient c)
    {
        var created = await c.PostJsonAsync("/api/v1/destinations", new { name = "Hook", kind = "webhook", config = new { url = "https://hooks.example.com/x" }, secrets = new { signingSecret = new string('s', 32) } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.JsonAsync()).GetProperty("id").GetString()!;
    }

    async Task InsertJobAsync(Guid owner, Guid id, string request, string hash, string key) =>
        await api.ScalarAsync<int>("""
            INSERT INTO export_jobs (id, owner_id, kind, format, title, status, phase, request, request_hash, file_name, media_type,
                storage, storage_key, size_bytes, idempotency_key, created_at, updated_at) VALUES
            ($1, $2, 'layout', 'png', 'Notes', 'completed', 'done', $3::jsonb, $4, 'n.png', 'image/png', 'local', 'k', 1, $5, now(), now())
            RETURNING 1
            """, id, owner, request, hash, key);

    static HttpRequestMessage Post(string json, string key)
    {
        var req = new HttpRequestMessage(HttpMethod.Post, "/api/v1/exports") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        req.Headers.Add("Idempotency-Key", key);
        return req;
    }

    static ExportEnvelope Read(string json) => JsonSerializer.Deserialize<ExportEnvelope>(json, JsonSerializerOptions.Web)!;

    /// <summary>A layout envelope with one more top-level property.</summary>
    static string With(string property) => "{\"kind\":\"layout\",\"layout\":" + Layout + "," + property + "}";

    static Dictionary<string, string[]> Errors(string json)
    {
        var errors = new Errors();
        Read(json).Normalized(errors);
        return errors.ToDictionary();
    }

    [Fact]
    public void StoredEnvelope_ReadsTyped_AndWritesTheSameJson()
    {
        var id = Guid.NewGuid();
        var e = Read(StoredBefore(id.ToString()));
        Assert.Equal([id], e.Delivery!.Destinations);
        Assert.Equal(new JobRetry(5, "linear", 200, 1000, Jitter: false), e.Retry);
        var written = JsonSerializer.SerializeToElement(e, JsonSerializerOptions.Web);
        Assert.Equal($$"""{"destinations":["{{id}}"]}""", written.GetProperty("delivery").GetRawText());
        Assert.Equal(Retry, written.GetProperty("retry").GetRawText());
    }

    [Fact]
    public void Retry_FieldsLeftOut_TakeTheOneSetOfDefaults()
    {
        var partial = JsonSerializer.Deserialize<JobRetry>("""{"attempts":5,"backoff":null}""", JsonSerializerOptions.Web)!;
        Assert.Equal(JobRetry.Default with { Attempts = 5 }, partial);
        Assert.Equal(new JobRetry(3, "exponential", 1000, 30_000, Jitter: true), JobRetry.Default);
        Assert.Equal(TimeSpan.FromMilliseconds(400), new JobRetry(5, "linear", 200, 1000, false).Delay(2));
        Assert.Equal(TimeSpan.FromMilliseconds(1000), new JobRetry(5, "exponential", 200, 1000, false).Delay(4));
    }

    [Fact]
    public void OneValidator_KeysAndMessagesAsBefore()
    {
        Assert.Equal(["delivery must be an object."], Errors(With(""" "delivery":"x" """))["delivery"]);
        Assert.Equal(["destinations is a list of destination ids."], Errors(With(""" "delivery":{"destinations":"x"} """))["delivery.destinations"]);
        var ids = Errors(With($$""" "delivery":{"destinations":[1,"{{Guid.NewGuid()}}","no"]} """));
        Assert.Equal(["delivery.destinations[0]", "delivery.destinations[2]"], ids.Keys.Order());
        Assert.Equal(["Not a destination id."], ids["delivery.destinations[2]"]);
        var retry = Errors(With(""" "retry":{"attempts":50,"backoff":"linear","baseDelayMs":1,"maxDelayMs":1} """));
        Assert.Equal(["retry has attempts 1-10, backoff linear or exponential, baseDelayMs 1-600000, maxDelayMs 1-3600000."], retry["retry"]);
        Assert.Empty(Errors(StoredBefore(Guid.NewGuid().ToString())));

        // The schedule's retry: the same rules, field by field.
        var errors = new Errors();
        new JobRetry(0, "random", 0, 3_600_001, true).Validate(errors, "retry");
        Assert.Equal(["retry.attempts", "retry.backoff", "retry.baseDelayMs", "retry.maxDelayMs"], errors.ToDictionary().Keys);
        Assert.Equal(["attempts is from 1 to 10."], errors.ToDictionary()["retry.attempts"]);
    }

    [Fact]
    public async Task RowsStoredBefore_JobTemplateAndSchedule_StillReadAndPlan()
    {
        var (owner, c) = await api.NewUserAsync();
        var created = await c.PostJsonAsync("/api/v1/destinations", new { name = "Hook", kind = "webhook", config = new { url = "https://hooks.example.com/x" }, secrets = new { signingSecret = new string('s', 32) } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var dest = (await created.JsonAsync()).GetProperty("id").GetString()!;
        var stored = StoredBefore(dest);

        // export_jobs: the history reads it, and a rerun plans it with its delivery and retry.
        var jobId = Guid.NewGuid();
        await api.ScalarAsync<int>("""
            INSERT INTO export_jobs (id, owner_id, kind, format, title, status, phase, request, request_hash, file_name, media_type,
                storage, storage_key, size_bytes, created_at, updated_at) VALUES
            ($1, $2, 'layout', 'png', 'Notes', 'completed', 'done', $3::jsonb, 'x', 'n.png', 'image/png', 'local', 'k', 1, now(), now())
            RETURNING 1
            """, jobId, owner, stored);
        // The shapes hashed as sent: an upper-case id with another property, and an explicit null, plan as today's.
        foreach (var (delivery, expected) in new[] { (UpperWithExtra(dest), dest), ("null", null) })
        {
            var raw = StoredBeforeRaw(delivery);
            var rawId = Guid.NewGuid();
            await InsertJobAsync(owner, rawId, raw, OldHash(raw), "k-" + rawId);
            var row = (await api.Host.Services.GetRequiredService<JobRecords>().GetAsync(owner, rawId, default))!;
            var (plannedRaw, refusedRaw) = await api.Host.Services.GetRequiredService<JobQueue>().PlanAsync(owner, row.Request.Deserialize<ExportEnvelope>(JsonSerializerOptions.Web)!, default);
            Assert.Null(refusedRaw);
            if (expected is null) Assert.False(plannedRaw!.Request.TryGetProperty("delivery", out _));
            else Assert.Equal($$"""{"destinations":["{{expected}}"]}""", plannedRaw!.Request.GetProperty("delivery").GetRawText());
        }

        var old = await (await c.GetAsync($"/api/v1/exports/{jobId}")).JsonAsync();
        Assert.Equal(dest, old.GetProperty("request").GetProperty("delivery").GetProperty("destinations")[0].GetString());
        var record = (await api.Host.Services.GetRequiredService<JobRecords>().GetAsync(owner, jobId, default))!;
        var (planned, refused) = await api.Host.Services.GetRequiredService<JobQueue>().PlanAsync(owner, record.Request.Deserialize<ExportEnvelope>(JsonSerializerOptions.Web)!, default);
        Assert.Null(refused);
        Assert.Equal(dest, planned!.Request.GetProperty("delivery").GetProperty("destinations")[0].GetString());
        Assert.Equal(Retry, planned.Request.GetProperty("retry").GetRawText());

        // templates: read back through the API with the same delivery and retry.
        var templateId = Guid.NewGuid();
        // Written as a template stream of the version that stored it (the request JSON as it was), not through the API.
        await using (var docs = api.Host.Services.GetRequiredService<Marten.IDocumentStore>().LightweightSession())
        {
            docs.Events.StartStream<Exports.Data.Template>(templateId, new Exports.Data.TemplateCreated(templateId, owner, "old", "", stored, owner, DateTimeOffset.UtcNow));
            await docs.SaveChangesAsync();
        }
        var template = await (await c.GetAsync($"/api/v1/templates/{templateId}")).JsonAsync();
        var request = template.GetProperty("request");
        Assert.Equal(dest, request.GetProperty("delivery").GetProperty("destinations")[0].GetString());
        Assert.Equal(Retry, request.GetProperty("retry").GetRawText());

        // schedules: a spec that named only some retry fields reads with the defaults for the rest.
        var scheduleId = Guid.NewGuid();
        // The spec as the old table kept it, brought over as the upgrade does (Host/LegacyImport.cs).
        await using (var docs = api.Host.Services.GetRequiredService<Marten.IDocumentStore>().LightweightSession())
        {
            docs.Insert(new Exports.Features.Schedule.ExportSchedule
            {
                Id = scheduleId, OwnerId = owner, TemplateId = templateId, Name = "legacy", Cron = "0 0 9 * * ?", Timezone = "UTC", Active = false,
                Spec = Exports.Host.LegacyImport.ScheduleSpecOf($$"""{"templateId":"{{templateId}}","cron":"0 0 9 * * ?","timezone":"UTC","retry":{"attempts":4,"backoff":"linear"},"destinations":["{{dest}}"]}"""),
                CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow,
            });
            await docs.SaveChangesAsync();
        }
        var schedule = await (await c.GetAsync($"/api/v1/schedules/{scheduleId}")).JsonAsync();
        var retry = schedule.GetProperty("spec").GetProperty("retry");
        Assert.Equal((4, "linear", 1000, 30_000, true), (retry.GetProperty("attempts").GetInt32(), retry.GetProperty("backoff").GetString(),
            retry.GetProperty("baseDelayMs").GetInt32(), retry.GetProperty("maxDelayMs").GetInt32(), retry.GetProperty("jitter").GetBoolean()));
    }

    [Fact]
    public async Task IdempotencyKey_RowHashedBeforeOverTheDeliveryAsSent_ReplaysTheSameJob()
    {
        var (owner, c) = await api.NewUserAsync();
        var dest = await DestinationAsync(c);
        foreach (var delivery in new[] { UpperWithExtra(dest), "null" })
        {
            // The row as the version before wrote it: the request as sent (delivery untouched) and its hash over that.
            var (sent, stored) = (StoredBeforeRaw(delivery, folded: false), StoredBeforeRaw(delivery));
            var (id, key) = (Guid.NewGuid(), "old-" + Guid.NewGuid());
            await InsertJobAsync(owner, id, stored, OldHash(stored), key);

            var again = await c.SendAsync(Post(sent, key));
            var body = await again.Content.ReadAsStringAsync();
            Assert.True(again.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK, $"{delivery}: {(int)again.StatusCode} {body}");
            Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
            Assert.Equal(id, JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid());

            // A different request under the key is still refused.
            await (await c.SendAsync(Post(sent.Replace("**Hello**", "**Bye**"), key))).ProblemAsync(422);
        }
        Assert.Equal(2L, await api.ScalarAsync<long>("SELECT count(*) FROM export_jobs WHERE owner_id = $1", owner));
    }

    [Fact]
    public async Task RetryFieldsSentAsNull_TakeTheDefaults()
    {
        Assert.Equal(JobRetry.Default with { Attempts = 4 },
            JsonSerializer.Deserialize<JobRetry>("""{"attempts":4,"backoff":null,"baseDelayMs":null,"maxDelayMs":null,"jitter":null}""", JsonSerializerOptions.Web));

        var (_, c) = await api.NewUserAsync();
        var r = await c.PostAsync("/api/v1/exports", new StringContent(
            With(""" "retry":{"attempts":2,"baseDelayMs":null,"jitter":null} """), Encoding.UTF8, "application/json"));
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.Accepted, body);
        Assert.Equal("""{"attempts":2,"backoff":"exponential","baseDelayMs":1000,"maxDelayMs":30000,"jitter":true}""",
            JsonDocument.Parse(body).RootElement.GetProperty("request").GetProperty("retry").GetRawText());
    }

    [Fact]
    public async Task DestinationProblems_AreReportedAtTheirOwnPlaceInTheList()
    {
        var (_, c) = await api.NewUserAsync();
        var missing = Guid.NewGuid();
        foreach (var (list, bad, absent) in new[] { ($$"""["nope","{{missing}}"]""", 0, 1), ($$"""["{{missing}}","nope"]""", 1, 0) })
        {
            var r = await c.PostAsync("/api/v1/exports", new StringContent(With($$""" "delivery":{"destinations":{{list}}} """), Encoding.UTF8, "application/json"));
            var errors = (await r.ProblemAsync(400)).GetProperty("errors");
            Assert.Equal(["Not a destination id."], errors.GetProperty($"delivery.destinations[{bad}]").EnumerateArray().Select(m => m.GetString()));
            Assert.Equal([$"No destination {missing}."], errors.GetProperty($"delivery.destinations[{absent}]").EnumerateArray().Select(m => m.GetString()));
        }
    }
}
