using System.Net;
using System.Text.Json;
using Exports.Features.Sinks;
using Exports.Series;
using Exports.Shared;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.Sinks;

/// <summary>The sinks' API: create, list, get, update, delete, test, resume and deliveries, with field errors for bad
/// bodies, the network guard, secrets that never come back, and another owner's sink as missing as one that is not.</summary>
[Collection(ApiCollection.Name)]
public sealed class SinksTests(ApiFixture api)
{
    const string Secret = "sink-secret-0123456789-abcdef";

    static async Task<HttpClient> WithSourcesAsync(ApiFixture api)
    {
        var (_, client) = await api.NewUserAsync();
        Assert.Equal(HttpStatusCode.Created, (await client.PostJsonAsync("/api/v1/sources", new { name = "metrics", kind = "timeseries" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PostJsonAsync("/api/v1/sources", new
        {
            name = "deploys", kind = "records",
            fields = new[] { new { name = "host", role = "dimension", type = "string" }, new { name = "took", role = "measure", type = "double" } },
        })).StatusCode);
        return client;
    }

    static async Task<JsonElement> CreateAsync(HttpClient c, string source, object body)
    {
        var r = await c.PostJsonAsync($"/api/v1/sources/{source}/sinks", body);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.Created, text);
        Assert.DoesNotContain(Secret, text);
        return JsonDocument.Parse(text).RootElement;
    }

    [Fact]
    public async Task CreateListGetUpdateDelete_RoundTrip_SecretNeverReturned_AndKeptWhenLeftOut()
    {
        var c = await WithSourcesAsync(api);
        using var receiver = new SinkReceiver(Secret);
        var created = await CreateAsync(c, "metrics", new { url = receiver.Url, secret = Secret, metrics = new[] { "cpu", "cpu", "mem" }, batchMs = 250, maxBatch = 20 });
        var id = created.GetProperty("id").GetString();
        Assert.Equal(receiver.Url, created.GetProperty("url").GetString());
        Assert.Equal(["cpu", "mem"], created.GetProperty("metrics").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal((250, 20), (created.GetProperty("batchMs").GetInt32(), created.GetProperty("maxBatch").GetInt32()));
        Assert.Equal("active", created.GetProperty("status").GetString());
        Assert.False(created.TryGetProperty("secret", out _));
        var second = await c.PostJsonAsync("/api/v1/sources/metrics/sinks", new { url = receiver.Url, secret = Secret });
        Assert.Equal($"/api/v1/sources/metrics/sinks/{(await second.JsonAsync()).GetProperty("id").GetString()}", second.Headers.Location!.OriginalString);

        foreach (var url in new[] { "/api/v1/sources/metrics/sinks", $"/api/v1/sources/metrics/sinks/{id}" })
        {
            var text = await (await c.GetAsync(url)).Content.ReadAsStringAsync();
            Assert.Contains(id!, text);
            Assert.DoesNotContain(Secret, text);
            Assert.DoesNotContain("\"secret\"", text);
        }
        Assert.Equal(2, (await (await c.GetAsync("/api/v1/sources/metrics/sinks")).JsonAsync()).GetArrayLength());
        // Stored encrypted, as destinations' secrets are.
        var stored = await api.ScalarAsync<string>("SELECT secret FROM sinks WHERE id = $1", Guid.Parse(id!));
        Assert.DoesNotContain(Secret, stored);

        // The test event is signed with the stored secret; a PUT without one keeps it, a PUT with one replaces it.
        var put = await c.PutAsync($"/api/v1/sources/metrics/sinks/{id}", JsonContent(new { url = receiver.Url, batchMs = 0, maxBatch = 1 }));
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        var updated = await put.JsonAsync();
        Assert.Equal((0, 1), (updated.GetProperty("batchMs").GetInt32(), updated.GetProperty("maxBatch").GetInt32()));
        Assert.True(!updated.TryGetProperty("metrics", out var metrics) || metrics.ValueKind == JsonValueKind.Null, updated.ToString()); // every metric now
        var test = await (await c.PostAsync($"/api/v1/sources/metrics/sinks/{id}/test", null)).JsonAsync();
        Assert.True(test.GetProperty("delivered").GetBoolean(), test.ToString());
        Assert.Equal(200, test.GetProperty("httpStatus").GetInt32());
        var got = Assert.Single(receiver.All);
        Assert.Empty(receiver.BadSignatures);
        Assert.True(got.Json.GetProperty("test").GetBoolean());
        Assert.Equal(id, got.Json.GetProperty("sink").GetString());
        Assert.Equal("metrics", got.Json.GetProperty("source").GetString());
        Assert.Equal(0, got.Json.GetProperty("rows").GetArrayLength());
        Assert.StartsWith("test-", got.IdempotencyKey);

        const string newSecret = "another-secret-9876543210";
        Assert.True((await c.PutAsync($"/api/v1/sources/metrics/sinks/{id}", JsonContent(new { url = receiver.Url, secret = newSecret }))).IsSuccessStatusCode);
        await c.PostAsync($"/api/v1/sources/metrics/sinks/{id}/test", null);
        Assert.Single(receiver.BadSignatures); // signed with the new secret now, which this receiver does not know
        using var other = new SinkReceiver(newSecret);
        Assert.True((await c.PutAsync($"/api/v1/sources/metrics/sinks/{id}", JsonContent(new { url = other.Url }))).IsSuccessStatusCode);
        Assert.True((await (await c.PostAsync($"/api/v1/sources/metrics/sinks/{id}/test", null)).JsonAsync()).GetProperty("delivered").GetBoolean());
        Assert.Empty(other.BadSignatures);
        Assert.Single(other.All);

        Assert.Equal(HttpStatusCode.NoContent, (await c.DeleteAsync($"/api/v1/sources/metrics/sinks/{id}")).StatusCode);
        await (await c.GetAsync($"/api/v1/sources/metrics/sinks/{id}")).ProblemAsync(404);
        await (await c.DeleteAsync($"/api/v1/sources/metrics/sinks/{id}")).ProblemAsync(404);
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM sinks WHERE id = $1", Guid.Parse(id!)));
    }

    [Fact]
    public async Task TestEvent_ReceiverAnswers400_SaysSoWithTheStatus()
    {
        var c = await WithSourcesAsync(api);
        using var receiver = new SinkReceiver(Secret) { Answer = _ => (400, null) };
        var id = (await CreateAsync(c, "deploys", new { url = receiver.Url, secret = Secret })).GetProperty("id").GetString();
        var test = await (await c.PostAsync($"/api/v1/sources/deploys/sinks/{id}/test", null)).JsonAsync();
        Assert.False(test.GetProperty("delivered").GetBoolean());
        Assert.Equal(400, test.GetProperty("httpStatus").GetInt32());
        Assert.Contains("HTTP 400", test.GetProperty("error").GetString());
        Assert.Single(receiver.All);
    }

    [Fact]
    public async Task TestEvent_ReceiverRedirects_SaysRedirectsAreNotFollowed()
    {
        var c = await WithSourcesAsync(api);
        using var receiver = new SinkReceiver(Secret) { Answer = _ => (302, null) };
        var id = (await CreateAsync(c, "deploys", new { url = receiver.Url, secret = Secret })).GetProperty("id").GetString();
        var test = await (await c.PostAsync($"/api/v1/sources/deploys/sinks/{id}/test", null)).JsonAsync();
        Assert.False(test.GetProperty("delivered").GetBoolean());
        Assert.Equal(302, test.GetProperty("httpStatus").GetInt32());
        Assert.Contains("redirects are not followed", test.GetProperty("error").GetString());
        Assert.DoesNotContain("4xx", test.GetProperty("error").GetString());
        Assert.Single(receiver.All);
    }

    [Fact]
    public async Task BadBodies_Return400_WithAFieldErrorEach_AndSaveNothing()
    {
        var c = await WithSourcesAsync(api);
        async Task Refused(string source, object body, params string[] fields)
        {
            var r = await c.PostJsonAsync($"/api/v1/sources/{source}/sinks", body);
            var p = await r.ProblemAsync(400);
            Assert.Equal("The sink is not valid", p.GetProperty("title").GetString());
            Assert.Equal(fields.Order(), p.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order());
        }
        await Refused("metrics", new { url = "ftp://example.com/x", secret = "short" }, "url", "secret");
        await Refused("metrics", new { url = "https://user:pw@example.com/x" }, "url", "secret");
        await Refused("metrics", new { url = "http://example.com/x", secret = Secret }, "url"); // plain http only to loopback
        await Refused("metrics", new { url = "https://example.com/x", secret = Secret, batchMs = -1, maxBatch = 0 }, "batchMs", "maxBatch");
        await Refused("metrics", new { url = "https://example.com/x", secret = Secret, batchMs = 60_001, maxBatch = 10_001 }, "batchMs", "maxBatch");
        await Refused("metrics", new { url = "https://example.com/x", secret = Secret, metrics = Array.Empty<string>() }, "metrics");
        await Refused("metrics", new { url = "https://example.com/x", secret = Secret, metrics = new[] { "" } }, "metrics[0]");
        await Refused("deploys", new { url = "https://example.com/x", secret = Secret, metrics = new[] { "cpu" } }, "metrics");
        await Refused("deploys", new { url = "https://example.com/x", secret = Secret, filter = new { field = "nope", op = "eq", value = "a" } }, "filter.field");
        await Refused("metrics", new { url = "https://example.com/x", secret = Secret, filter = new { field = "host", op = "resembles", value = "a" } }, "filter.op");
        var wrongType = await (await c.PostJsonAsync("/api/v1/sources/metrics/sinks", new { url = "https://example.com/x", secret = Secret, maxBatch = "ten" })).ProblemAsync(400);
        Assert.True(wrongType.GetProperty("errors").TryGetProperty("maxBatch", out _), wrongType.ToString());
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM sinks k JOIN sources s ON s.id = k.source_id WHERE s.owner_id = (SELECT owner_id FROM sources WHERE id = k.source_id) AND s.name IN ('metrics', 'deploys') AND k.url LIKE 'https://example.com%'"));
        // Valid filters on both kinds: a tag and value on points, the source's fields on records.
        await CreateAsync(c, "metrics", new { url = "https://example.com/x", secret = Secret, filter = new { and = new object[] { new { field = "host", op = "eq", value = "a" }, new { field = "value", op = "gt", value = 1 } } } });
        await CreateAsync(c, "deploys", new { url = "https://example.com/x", secret = Secret, filter = new { field = "took", op = "gte", value = 10 } });
        await (await c.PostJsonAsync("/api/v1/sources/nosuch/sinks", new { url = "https://example.com/x", secret = Secret })).ProblemAsync(404);
    }

    [Fact]
    public async Task PrivateNetworkUrls_AreRefusedAsAFieldError_UnlessAllowed()
    {
        var src = new SourceCatalog { Id = Guid.NewGuid(), Name = "metrics", Kind = "timeseries", Description = "", Schema = new SourceSchema() };
        foreach (var url in new[] { "http://127.0.0.1:9/x", "https://10.1.2.3/x", "https://169.254.169.254/latest", "https://[::1]/x", "https://192.168.0.10/hook" })
        {
            var e = new Errors();
            Assert.Null(await SinkRules.CheckAsync(new SinkBody { Url = url, Secret = Secret }, src, isNew: true, ChannelKit.Settings(allowPrivate: false), e, default));
            var messages = Assert.Single(e.ToDictionary());
            Assert.Equal("url", messages.Key);
            Assert.Contains("not a public address", Assert.Single(messages.Value));
            var allowed = new Errors();
            Assert.NotNull(await SinkRules.CheckAsync(new SinkBody { Url = url, Secret = Secret }, src, isNew: true, ChannelKit.Settings(allowPrivate: true), allowed, default));
            Assert.False(allowed.Any);
        }
    }

    /// <summary>A host of 63-character labels that Uri accepts but DNS cannot look up (259 characters) is a field error on
    /// url at create and update, with or without the network guard, and nothing is saved or changed.</summary>
    [Fact]
    public async Task UrlHostLongerThanDnsAllows_Is400OnUrl_AtCreateAndUpdate_AndTheGuardRefusesIt()
    {
        var host = string.Join('.', new string('a', 63), new string('b', 63), new string('c', 63), new string('d', 63)) + ".com";
        Assert.Equal(259, host.Length);
        var url = $"https://{host}/x";
        var c = await WithSourcesAsync(api);
        var create = await (await c.PostJsonAsync("/api/v1/sources/metrics/sinks", new { url, secret = Secret })).ProblemAsync(400, "url");
        Assert.Contains("253", create.GetProperty("errors").GetProperty("url")[0].GetString());
        var id = (await CreateAsync(c, "metrics", new { url = "https://hooks.example.net/x", secret = Secret })).GetProperty("id").GetString();
        await (await c.PutAsync($"/api/v1/sources/metrics/sinks/{id}", JsonContent(new { url }))).ProblemAsync(400, "url");
        Assert.Equal(["https://hooks.example.net/x"], (await api.RowsAsync("SELECT url FROM sinks WHERE source_id = (SELECT source_id FROM sinks WHERE id = $1)", Guid.Parse(id!))).Select(r => (string)r[0]!));
        // The guard itself answers a refusal (never throws) for a name the resolver will not look up.
        Assert.Contains("253", await Exports.Delivery.NetworkGuard.RefusalAsync(host, allowPrivate: false, default));
    }

    /// <summary>EXPORTS_SINKS_PER_OWNER (20) counts an owner's sinks over all sources: the next is a 409 saying so,
    /// saves nothing, and another owner is not affected; deleting one makes room.</summary>
    [Fact]
    public async Task SinksPastThePerOwnerLimit_Are409WithTheReason_OverAllSources()
    {
        var c = await WithSourcesAsync(api);
        for (var i = 0; i < 20; i++) await CreateAsync(c, i % 2 == 0 ? "metrics" : "deploys", new { url = $"https://hooks.example.org/{i}", secret = Secret });
        var over = await (await c.PostJsonAsync("/api/v1/sources/deploys/sinks", new { url = "https://hooks.example.org/x", secret = Secret })).ProblemAsync(409);
        Assert.Contains("EXPORTS_SINKS_PER_OWNER", over.GetProperty("detail").GetString());
        var listed = (await (await c.GetAsync("/api/v1/sources/metrics/sinks")).JsonAsync()).EnumerateArray().Concat((await (await c.GetAsync("/api/v1/sources/deploys/sinks")).JsonAsync()).EnumerateArray()).ToList();
        Assert.Equal(20, listed.Count);
        Assert.DoesNotContain(listed, x => x.GetProperty("url").GetString() == "https://hooks.example.org/x");
        await CreateAsync(await WithSourcesAsync(api), "metrics", new { url = "https://hooks.example.org/other", secret = Secret }); // another owner
        Assert.Equal(HttpStatusCode.NoContent, (await c.DeleteAsync($"/api/v1/sources/metrics/sinks/{listed[0].GetProperty("id").GetString()}")).StatusCode);
        await CreateAsync(c, "deploys", new { url = "https://hooks.example.org/x", secret = Secret });
    }

    [Fact]
    public async Task AnotherOwnersSink_IsNotFound_OnEveryRoute()
    {
        var c = await WithSourcesAsync(api);
        using var receiver = new SinkReceiver(Secret);
        var id = (await CreateAsync(c, "metrics", new { url = receiver.Url, secret = Secret })).GetProperty("id").GetString();
        var stranger = await WithSourcesAsync(api); // has a source of the same name
        var body = new { url = receiver.Url, secret = Secret };
        await (await stranger.GetAsync($"/api/v1/sources/metrics/sinks/{id}")).ProblemAsync(404);
        await (await stranger.PutAsync($"/api/v1/sources/metrics/sinks/{id}", JsonContent(body))).ProblemAsync(404);
        await (await stranger.DeleteAsync($"/api/v1/sources/metrics/sinks/{id}")).ProblemAsync(404);
        await (await stranger.PostAsync($"/api/v1/sources/metrics/sinks/{id}/test", null)).ProblemAsync(404);
        await (await stranger.PostAsync($"/api/v1/sources/metrics/sinks/{id}/resume", null)).ProblemAsync(404);
        await (await stranger.GetAsync($"/api/v1/sources/metrics/sinks/{id}/deliveries")).ProblemAsync(404);
        Assert.Equal(0, (await (await stranger.GetAsync("/api/v1/sources/metrics/sinks")).JsonAsync()).GetArrayLength());
        Assert.Empty(receiver.All); // the stranger's test sent nothing
        // Still there for its owner, untouched; under another source of the owner's it is not found either.
        Assert.Equal(receiver.Url, (await (await c.GetAsync($"/api/v1/sources/metrics/sinks/{id}")).JsonAsync()).GetProperty("url").GetString());
        await (await c.GetAsync($"/api/v1/sources/deploys/sinks/{id}")).ProblemAsync(404);
    }

    /// <summary>The README's Python snippet, run as written by python3, accepts a signed event as the server sent it
    /// and refuses it with one byte of the body changed or with another secret.</summary>
    [Fact]
    public async Task ReadmeVerificationSnippet_AcceptsARealSignedEvent_AndRefusesATamperedOne()
    {
        var readme = File.ReadAllText(Path.Combine(NodeReaders.Root, "README.md"));
        var at = readme.IndexOf("### Webhook sinks", StringComparison.Ordinal);
        var start = readme.IndexOf("```python\n", at, StringComparison.Ordinal) + "```python\n".Length;
        var snippet = readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];
        var c = await WithSourcesAsync(api);
        using var receiver = new SinkReceiver(Secret);
        var id = (await CreateAsync(c, "metrics", new { url = receiver.Url, secret = Secret })).GetProperty("id").GetString();
        await c.PostAsync($"/api/v1/sources/metrics/sinks/{id}/test", null);
        var got = Assert.Single(receiver.All);
        var dir = Directory.CreateTempSubdirectory("sink-snippet-").FullName;
        File.WriteAllText(Path.Combine(dir, "body"), got.Body);
        File.WriteAllText(Path.Combine(dir, "check.py"), snippet + """

            import sys
            body = open(sys.argv[1], "rb").read()
            if sys.argv[4] == "tamper": body = body.replace(b'"test":true', b'"test":false')
            print(verify(sys.argv[2], sys.argv[3], body))
            """);
        async Task<string> Run(string secret, string mode)
        {
            var psi = new System.Diagnostics.ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { Path.Combine(dir, "check.py"), Path.Combine(dir, "body"), secret, got.Signature, mode }) psi.ArgumentList.Add(a);
            using var p = System.Diagnostics.Process.Start(psi)!;
            var output = await p.StandardOutput.ReadToEndAsync();
            await p.WaitForExitAsync();
            Assert.True(p.ExitCode == 0, await p.StandardError.ReadToEndAsync());
            return output.Trim();
        }
        Assert.Equal("True", await Run(Secret, "as-sent"));
        Assert.Equal("False", await Run(Secret, "tamper"));
        Assert.Equal("False", await Run("not-the-secret-0123456789", "as-sent"));
    }

    /// <summary>Sink test sends count with destinations' (EXPORTS_TEST_SENDS_PER_MINUTE per owner): past the limit a
    /// 429 with Retry-After, and nothing is sent.</summary>
    [Fact]
    public async Task TestSends_PastThePerMinuteLimit_Are429_AndSendNothing()
    {
        var c = await WithSourcesAsync(api);
        using var receiver = new SinkReceiver(Secret);
        var id = (await CreateAsync(c, "metrics", new { url = receiver.Url, secret = Secret })).GetProperty("id").GetString();
        for (var i = 0; i < ApiFixture.SendTestsPerMinute; i++)
            Assert.Equal(HttpStatusCode.OK, (await c.PostAsync($"/api/v1/sources/metrics/sinks/{id}/test", null)).StatusCode);
        var refused = await c.PostAsync($"/api/v1/sources/metrics/sinks/{id}/test", null);
        Assert.Equal("Too many test sends", (await refused.ProblemAsync(429)).GetProperty("title").GetString());
        Assert.True(int.Parse(refused.Headers.GetValues("Retry-After").Single()) >= 1);
        Assert.Equal(ApiFixture.SendTestsPerMinute, receiver.All.Count);
    }

    static StringContent JsonContent(object body) => new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");
}
