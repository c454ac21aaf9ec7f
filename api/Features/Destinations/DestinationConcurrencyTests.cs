using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Exports.Delivery;
using Exports.Host;
using Exports.Tests.Infrastructure;
using Marten;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Exports.Tests.Features.Destinations;

/// <summary>Requests racing on one destination: of concurrent deletes exactly one is 204; concurrent updates each
/// setting a secret lose none of them (an update is a read-merge-write, saved under optimistic concurrency and merged
/// again when refused); and a read for one owner never loads another owner's document.</summary>
[Collection(ApiCollection.Name)]
public sealed class DestinationConcurrencyTests(ApiFixture api)
{
    static async Task<Guid> CreateAsync(HttpClient c, object body)
    {
        var r = await c.PostJsonAsync("/api/v1/destinations", body);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
    }

    static object Bucket(string name, object? secrets) =>
        new { name, kind = "s3", config = new { endpoint = "http://127.0.0.1:9000", bucket = "reports" }, secrets };

    [Fact]
    public async Task EightConcurrentDeletesOfOneDestination_GiveOneNoContent_AndSevenNotFound()
    {
        var (owner, c) = await api.NewUserAsync();
        for (var round = 0; round < 3; round++)
        {
            var id = await CreateAsync(c, new { name = $"gone {round}", kind = "email", config = new { to = new[] { "ops@example.com" } } });
            var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => c.DeleteAsync($"/api/v1/destinations/{id}")));
            Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.NoContent));
            foreach (var a in answers.Where(a => a.StatusCode != HttpStatusCode.NoContent)) await a.ProblemAsync(404);
            Assert.Equal(0L, await api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_doc_destination WHERE id = $1", id));
        }
        // Another owner's delete removes nothing.
        var kept = await CreateAsync(c, new { name = "kept", kind = "email", config = new { to = new[] { "ops@example.com" } } });
        var (_, stranger) = await api.NewUserAsync();
        await (await stranger.DeleteAsync($"/api/v1/destinations/{kept}")).ProblemAsync(404);
        Assert.Equal(1L, await api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_doc_destination WHERE id = $1 AND owner_id = $2", kept, owner));
    }

    [Fact]
    public async Task ConcurrentUpdatesEachSettingOneSecret_LoseNone_AndNoneIsA500()
    {
        var (owner, c) = await api.NewUserAsync();
        var store = api.Host.Services.GetRequiredService<Exports.Delivery.Destinations>();
        for (var round = 0; round < 4; round++)
        {
            var id = await CreateAsync(c, Bucket($"bucket {round}", new { accessKey = "AK-original", secretKey = "SK-original" }));
            // Half set the access key, half the secret key, each to its own value, all at once.
            var sent = Enumerable.Range(0, 8).Select(i => i % 2 == 0 ? ("accessKey", $"AK-{round}-{i}") : ("secretKey", $"SK-{round}-{i}")).ToList();
            var answers = await Task.WhenAll(sent.Select(s => c.PutAsync($"/api/v1/destinations/{id}",
                JsonContent.Create(Bucket($"bucket {round}", new Dictionary<string, string> { [s.Item1] = s.Item2 })))));
            foreach (var a in answers)
                if (a.StatusCode != HttpStatusCode.OK) await a.ProblemAsync(409);
            Assert.Contains(answers, a => a.StatusCode == HttpStatusCode.OK);
            var d = Assert.Single(await store.LoadAsync(owner, [id], default));
            // Whichever update came last for a key, its value is one that was sent: an update that had read the
            // destination before another saved never writes the original value back over it.
            var accepted = sent.Zip(answers).Where(x => x.Second.StatusCode == HttpStatusCode.OK).Select(x => x.First).ToList();
            foreach (var key in new[] { "accessKey", "secretKey" })
                if (accepted.Any(s => s.Item1 == key))
                    Assert.Contains(d.Secrets[key], accepted.Where(s => s.Item1 == key).Select(s => s.Item2));
            foreach (var a in answers.Where(a => a.StatusCode == HttpStatusCode.OK))
                Assert.Equal(["accessKey", "secretKey"], (await a.JsonAsync()).GetProperty("secrets").EnumerateArray().Select(x => x.GetString()).ToArray());
        }
    }

    [Fact]
    public async Task ASaveOverAVersionChangedMeanwhile_IsRefused_AndIsA409ForTheDestination()
    {
        var (_, c) = await api.NewUserAsync();
        var id = await CreateAsync(c, Bucket("raced", new { accessKey = "AK-1", secretKey = "SK-1" }));
        await using var update = api.Host.Services.GetRequiredService<IDocumentStore>().LightweightSession();
        var d = (await update.LoadAsync<StoredDestination>(id))!;
        var put = await c.PutAsync($"/api/v1/destinations/{id}", JsonContent.Create(Bucket("raced", new { secretKey = "SK-2" })));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        d.Name = "stale";
        update.Update(d);
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => update.SaveChangesAsync());
        Assert.Equal("raced", (await (await c.GetAsync($"/api/v1/destinations/{id}")).JsonAsync()).GetProperty("name").GetString());
        var ctx = new DefaultHttpContext { RequestServices = api.Host.Services };
        ctx.Response.Body = new MemoryStream();
        Assert.True(await new BadRequests().TryHandleAsync(ctx, refused, CancellationToken.None), refused.ToString());
        ctx.Response.Body.Position = 0;
        Assert.Equal(409, ctx.Response.StatusCode);
        Assert.Equal("The destination was changed by another request; load it again",
            JsonDocument.Parse(ctx.Response.Body).RootElement.GetProperty("title").GetString());
    }

    /// <summary>Another owner's document is not read at all: it is made unreadable (its secrets field a number), and
    /// every read for this owner that names it still answers as for a destination that does not exist.</summary>
    [Fact]
    public async Task ReadsForOneOwner_NeverLoadAnotherOwnersDocument()
    {
        var (owner, c) = await api.NewUserAsync();
        var (_, sc) = await api.NewUserAsync();
        var mine = await CreateAsync(c, new { name = "mine", kind = "email", config = new { to = new[] { "me@example.com" } } });
        var theirs = await CreateAsync(sc, Bucket("theirs", new { accessKey = "AK-theirs", secretKey = "SK-theirs" }));
        await api.ScalarAsync<int>($"UPDATE {Documents.Schema}.mt_doc_destination SET data = jsonb_set(data, '{{secrets}}', '5') WHERE id = $1 RETURNING 1", theirs);
        try
        {
            var store = api.Host.Services.GetRequiredService<Exports.Delivery.Destinations>();
            Assert.Equal([mine], (await store.LoadAsync(owner, [mine, theirs], default)).Select(d => d.Id));
            Assert.Equal([theirs], await store.MissingAsync(owner, [mine, theirs], default));
            Assert.Null(await store.GetViewAsync(owner, theirs, default));
            await (await c.GetAsync($"/api/v1/destinations/{theirs}")).ProblemAsync(404);
            await (await c.PutAsync($"/api/v1/destinations/{theirs}", JsonContent.Create(Bucket("theirs", null)))).ProblemAsync(404);
            await (await c.DeleteAsync($"/api/v1/destinations/{theirs}")).ProblemAsync(404);
        }
        finally { await api.ScalarAsync<int>($"DELETE FROM {Documents.Schema}.mt_doc_destination WHERE id = $1 RETURNING 1", theirs); }
    }
}
