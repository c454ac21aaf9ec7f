using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Exports.Delivery;
using Exports.Host;
using Exports.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using static Exports.Tests.Infrastructure.JobTestKit;

namespace Exports.Tests.Features.Destinations;

/// <summary>Destinations kept as Marten documents: the name stays unique per owner whatever its case (one winner when
/// requests race, 409 for the rest), the secrets are the Data Protection payload they always were, the list is sorted
/// by name without regard to case, and a deleted destination leaves the deliveries recorded under its name while an
/// export still naming it records that it no longer exists.</summary>
[Collection(ApiCollection.Name)]
public sealed class DestinationDocumentTests(ApiFixture api)
{
    static object Mail(string name, string to) => new { name, kind = "email", config = new { to = new[] { to } } };

    static async Task<Guid> CreateAsync(HttpClient c, object body)
    {
        var r = await c.PostJsonAsync("/api/v1/destinations", body);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
    }

    /// <summary>The export's one delivery once it has its final answer (delivered or failed), polled with a deadline.</summary>
    static async Task<JsonElement> FinalDeliveryAsync(HttpClient c, Guid export)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var list = await (await c.GetAsync($"/api/v1/exports/{export}/deliveries")).JsonAsync();
            if (list.GetArrayLength() == 1 && list[0].GetProperty("status").GetString() is "delivered" or "failed") return list[0];
            Assert.True(DateTime.UtcNow < deadline, $"The delivery did not finish: {list}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task ConcurrentCreatesOfOneNameInAnyCase_GiveOneCreated_AndConflicts_NeverA500()
    {
        var (owner, c) = await api.NewUserAsync();
        string[] names = ["Ops", "OPS", "ops", "oPs", "Ops", "OPS", "ops", "opS"];
        var answers = await Task.WhenAll(names.Select(n => c.PostJsonAsync("/api/v1/destinations", Mail(n, "ops@example.com"))));
        foreach (var a in answers.Where(a => a.StatusCode != HttpStatusCode.Created)) await a.ProblemAsync(409);
        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        Assert.Equal(1L, await api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_doc_destination WHERE owner_id = $1", owner));
        // Taken whatever the case, after the race too; another owner may use the name.
        var again = await (await c.PostJsonAsync("/api/v1/destinations", Mail("OpS", "x@example.com"))).ProblemAsync(409);
        Assert.Contains("OpS", again.GetProperty("detail").GetString());
        var (_, other) = await api.NewUserAsync();
        await CreateAsync(other, Mail("ops", "other@example.com"));
    }

    [Fact]
    public async Task Rename_ToAnotherCaseOfItsOwnName_IsAllowed_ToAnothersName_Is409_AndTheListIsSortedWithoutCase()
    {
        var (_, c) = await api.NewUserAsync();
        var b = await CreateAsync(c, Mail("bravo", "b@example.com"));
        await CreateAsync(c, Mail("Alpha", "a@example.com"));
        await CreateAsync(c, Mail("Charlie", "c@example.com"));
        var renamed = await c.PutAsync($"/api/v1/destinations/{b}", JsonContent.Create(Mail("bRAVO", "b@example.com")));
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal("bRAVO", (await renamed.JsonAsync()).GetProperty("name").GetString());
        await (await c.PutAsync($"/api/v1/destinations/{b}", JsonContent.Create(Mail("ALPHA", "b@example.com")))).ProblemAsync(409);
        // Sorted as lower(name) sorted the table's rows: a byte order would put "Charlie" before "bRAVO".
        var list = await (await c.GetAsync("/api/v1/destinations")).JsonAsync();
        Assert.Equal(["Alpha", "bRAVO", "Charlie"], list.EnumerateArray().Select(d => d.GetProperty("name").GetString()).ToArray());
    }

    [Fact]
    public async Task TheStoredSecrets_AreTheDataProtectionPayload_AndAnEditWithoutSecretsKeepsThem()
    {
        var (owner, c) = await api.NewUserAsync();
        const string secret = "whsec_document_0123456789";
        var id = await CreateAsync(c, new { name = "hook", kind = "webhook", config = new { url = "https://hooks.example.com/a" }, secrets = new { signingSecret = secret } });
        var protector = api.Host.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("exports.destinations.v1");
        async Task<Dictionary<string, string>> StoredAsync()
        {
            var payload = await api.ScalarAsync<string>($"SELECT data->>'secrets' FROM {Documents.Schema}.mt_doc_destination WHERE id = $1", id);
            Assert.DoesNotContain(secret, payload);
            return JsonSerializer.Deserialize<Dictionary<string, string>>(protector.Unprotect(payload))!;
        }
        Assert.Equal(new Dictionary<string, string> { ["signingSecret"] = secret }, await StoredAsync());
        var put = await c.PutAsync($"/api/v1/destinations/{id}", JsonContent.Create(new { name = "hook", kind = "webhook", config = new { url = "https://hooks.example.com/b" } }));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(new Dictionary<string, string> { ["signingSecret"] = secret }, await StoredAsync());
        // What a delivery reads: the decrypted secrets with the new config.
        var loaded = Assert.Single(await api.Host.Services.GetRequiredService<Exports.Delivery.Destinations>().LoadAsync(owner, [id], default));
        Assert.Equal((secret, "https://hooks.example.com/b"), (loaded.Secrets["signingSecret"], loaded.Get("url")));
        // Another owner neither reads nor loads it.
        var (stranger, sc) = await api.NewUserAsync();
        Assert.Empty(await api.Host.Services.GetRequiredService<Exports.Delivery.Destinations>().LoadAsync(stranger, [id], default));
        await (await sc.PutAsync($"/api/v1/destinations/{id}", JsonContent.Create(new { name = "mine", kind = "webhook", config = new { url = "https://hooks.example.com/c" } }))).ProblemAsync(404);
        await (await sc.DeleteAsync($"/api/v1/destinations/{id}")).ProblemAsync(404);
        Assert.Equal("https://hooks.example.com/b", await api.ScalarAsync<string>($"SELECT data->'config'->>'url' FROM {Documents.Schema}.mt_doc_destination WHERE id = $1", id));
    }

    [Fact]
    public async Task DeletingADestinationInUse_KeepsItsRecordedDeliveries_AndAnExportStillNamingItRecordsItIsGone()
    {
        var (_, c) = await api.NewUserAsync();
        var to = $"gone-{Guid.NewGuid():N}@example.com";
        var dest = await CreateAsync(c, Mail("soon gone", to));
        var envelope = JsonSerializer.SerializeToNode(TextLayout())!.AsObject();
        envelope["delivery"] = JsonSerializer.SerializeToNode(new { destinations = new[] { dest } });
        var (job, _) = await RunTrackedAsync(api.Host, c, async () => (await SubmitAsync(c, envelope)).GetProperty("id").GetString()!);
        var export = AssertCompleted(job).GetProperty("id").GetGuid();
        var first = await FinalDeliveryAsync(c, export);
        Assert.Equal(("delivered", "soon gone"), (first.GetProperty("status").GetString(), first.GetProperty("destinationName").GetString()));

        Assert.Equal(HttpStatusCode.NoContent, (await c.DeleteAsync($"/api/v1/destinations/{dest}")).StatusCode);
        await (await c.DeleteAsync($"/api/v1/destinations/{dest}")).ProblemAsync(404);
        await (await c.GetAsync($"/api/v1/destinations/{dest}")).ProblemAsync(404);
        // The recorded delivery keeps the destination's id and name.
        var kept = Assert.Single((await (await c.GetAsync($"/api/v1/exports/{export}/deliveries")).JsonAsync()).EnumerateArray());
        Assert.Equal((dest, "soon gone", "delivered"), (kept.GetProperty("destinationId").GetGuid(), kept.GetProperty("destinationName").GetString(), kept.GetProperty("status").GetString()));
        // A new export cannot name it; one that named it before (its delivery not made yet) records it as gone.
        await (await c.PostJsonAsync("/api/v1/exports", envelope)).ProblemAsync(400, "delivery.destinations[0]");
        await api.ScalarAsync<long>("WITH gone AS (DELETE FROM export_deliveries WHERE export_id = $1 RETURNING 1) SELECT count(*) FROM gone", export);
        Assert.False(await api.Host.Services.GetRequiredService<DeliveryService>().DeliverAsync(export, default));
        var missing = await FinalDeliveryAsync(c, export);
        Assert.Equal(("failed", "(deleted)", "The destination no longer exists."),
            (missing.GetProperty("status").GetString(), missing.GetProperty("destinationName").GetString(), missing.GetProperty("lastError").GetString()));
    }
}
