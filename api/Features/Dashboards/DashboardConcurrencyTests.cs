using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Exports.Data;
using Exports.Host;
using Exports.Tests.Infrastructure;
using Marten;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Exports.Tests.Features.Dashboards;

/// <summary>A dashboard is loaded, changed and saved whole: a save over a version another request changed meanwhile
/// (a revoked link, a delete) must fail (409, or 404 when it is gone) instead of undoing that change.</summary>
[Collection(ApiCollection.Name)]
public sealed class DashboardConcurrencyTests(ApiFixture api)
{
    static object Body(string title) => new
    {
        title, layout = new { widgets = new[] { new { id = "t", type = "text", text = title, x = 0, y = 0, w = 2, h = 1 } } },
    };

    async Task<(HttpClient Client, Guid Id, string Link)> SharedDashboardAsync()
    {
        var (_, client) = await api.NewUserAsync();
        var created = await client.PostJsonAsync("/api/v1/dashboards", new { slug = "raced", title = "Raced", layout = new { widgets = new[] { new { id = "t", type = "text", text = "x", x = 0, y = 0, w = 2, h = 1 } } } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.JsonAsync()).GetProperty("id").GetGuid();
        var share = await (await client.PostAsync($"/api/v1/dashboards/{id}/share", null)).JsonAsync();
        var link = share.GetProperty("png").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await api.CreateClient().GetAsync(link)).StatusCode);
        return (client, id, link);
    }

    [Fact]
    public async Task ARevokeBetweenAnUpdatesLoadAndSave_FailsTheUpdate_AndTheLinkStaysRevoked()
    {
        var (client, id, link) = await SharedDashboardAsync();
        // The update's session loads the dashboard (still shared) ...
        await using var update = api.Host.Services.GetRequiredService<IDocumentStore>().LightweightSession();
        var d = (await update.LoadAsync<Dashboard>(id))!;
        Assert.NotNull(d.ShareHash);
        // ... the revoke lands ...
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/dashboards/{id}/share")).StatusCode);
        // ... and the update's save of the whole document is refused.
        d.Title = "Changed";
        update.Update(d);
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => update.SaveChangesAsync());
        await (await api.CreateClient().GetAsync(link)).ProblemAsync(404);
        var now = await (await client.GetAsync($"/api/v1/dashboards/{id}")).JsonAsync();
        Assert.Equal(("Raced", false), (now.GetProperty("title").GetString(), now.GetProperty("shared").GetBoolean()));
        // The request that lost is told so: 409, load it again.
        var (status, problem) = await HandledAsync(refused);
        Assert.Equal(409, status);
        Assert.Equal("The dashboard was changed by another request; load it again", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task ADeleteBetweenAnUpdatesLoadAndSave_FailsTheUpdate_AsAConflictOrNotFound_NeverA500()
    {
        var (client, id, _) = await SharedDashboardAsync();
        await using var update = api.Host.Services.GetRequiredService<IDocumentStore>().LightweightSession();
        var d = (await update.LoadAsync<Dashboard>(id))!;
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/dashboards/{id}")).StatusCode);
        d.Title = "Changed";
        update.Update(d);
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => update.SaveChangesAsync());
        await (await client.GetAsync($"/api/v1/dashboards/{id}")).ProblemAsync(404);
        var (status, _) = await HandledAsync(refused);
        Assert.Contains(status, new[] { 404, 409 });
    }

    [Fact]
    public async Task UpdatesRacingARevoke_NeverBringTheLinkBack_AndNoneIsA500()
    {
        var (client, id, link) = await SharedDashboardAsync();
        var updates = Enumerable.Range(0, 12).Select(i => client.PutAsync($"/api/v1/dashboards/{id}", JsonContent.Create(Body($"Update {i}")))).ToList();
        // The revoke is never refused: it patches the link alone.
        var revoke = client.DeleteAsync($"/api/v1/dashboards/{id}/share");
        var responses = await Task.WhenAll(updates);
        Assert.Equal(HttpStatusCode.NoContent, (await revoke).StatusCode);
        foreach (var r in responses)
        {
            if (r.StatusCode == HttpStatusCode.Conflict) await r.ProblemAsync(409);
            else Assert.True(r.StatusCode == HttpStatusCode.OK, $"{(int)r.StatusCode}: {await r.Content.ReadAsStringAsync()}");
        }
        await (await api.CreateClient().GetAsync(link)).ProblemAsync(404);
        Assert.False((await (await client.GetAsync($"/api/v1/dashboards/{id}")).JsonAsync()).GetProperty("shared").GetBoolean());
        Assert.Equal(0L, await api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_doc_dashboard WHERE id = $1 AND share_hash IS NOT NULL", id));
    }

    /// <summary>What the API answers when a request fails with <paramref name="e"/> (BadRequests, the exception handler).</summary>
    async Task<(int Status, JsonElement Problem)> HandledAsync(Exception e)
    {
        var ctx = new DefaultHttpContext { RequestServices = api.Host.Services };
        ctx.Response.Body = new MemoryStream();
        Assert.True(await new BadRequests().TryHandleAsync(ctx, e, CancellationToken.None), e.ToString());
        ctx.Response.Body.Position = 0;
        return (ctx.Response.StatusCode, JsonDocument.Parse(ctx.Response.Body).RootElement.Clone());
    }
}
