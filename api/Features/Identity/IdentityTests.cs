using System.Net;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.Identity;

[Collection(ApiCollection.Name)]
public sealed class IdentityTests(ApiFixture api)
{
    [Fact]
    public async Task NoCredentials_Returns401Problem()
    {
        var r = await api.CreateClient().GetAsync("/api/v1/sources");
        await r.ProblemAsync(401);
    }

    [Fact]
    public async Task CookieLogin_ThenMe_ReturnsTheDemoUser()
    {
        var c = api.CreateClient();
        var login = await c.PostJsonAsync("/api/v1/auth/login", new { email = "DEMO@exports.local", password = "demo-password" });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var cookie = login.Headers.GetValues("Set-Cookie").Single(h => h.StartsWith("exports.session="));
        Assert.Contains("httponly", cookie.ToLowerInvariant());
        var req = new HttpRequestMessage(HttpMethod.Get, "/api/v1/auth/me");
        req.Headers.Add("Cookie", cookie.Split(';')[0]);
        var me = await (await c.SendAsync(req)).JsonAsync();
        Assert.Equal("demo@exports.local", me.GetProperty("email").GetString());
    }

    [Fact]
    public async Task WrongPassword_Returns401WithoutCookie()
    {
        var r = await api.CreateClient().PostJsonAsync("/api/v1/auth/login", new { email = "demo@exports.local", password = "nope" });
        await r.ProblemAsync(401);
        Assert.False(r.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task ApiKey_CreatedListedWithoutSecret_ThenRevokedKeyIsRefused()
    {
        var (_, client) = await api.NewUserAsync();
        var created = await (await client.PostJsonAsync("/api/v1/keys", new { name = "ci" })).JsonAsync();
        var key = created.GetProperty("key").GetString()!;
        var id = created.GetProperty("id").GetString();
        var other = api.Client(key);
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/api/v1/sources")).StatusCode);

        var list = await (await client.GetAsync("/api/v1/keys")).JsonAsync();
        var text = list.ToString();
        Assert.DoesNotContain(key, text);
        Assert.Contains(key[..10], text);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/keys/{id}")).StatusCode);
        await (await other.GetAsync("/api/v1/sources")).ProblemAsync(401);
        var stored = await api.ScalarAsync<long>("SELECT count(*) FROM api_keys WHERE prefix = $1 AND revoked_at IS NOT NULL", key[..10]);
        Assert.Equal(1, stored);
    }

    [Fact]
    public async Task OtherOwnersSource_IsNotFoundNotForbidden()
    {
        var (_, stranger) = await api.NewUserAsync();
        var sources = await (await stranger.GetAsync("/api/v1/sources")).JsonAsync();
        Assert.Equal(0, sources.GetProperty("sources").GetArrayLength());
        var r = await stranger.PostJsonAsync("/api/v1/exports/series", new { source = "servers", timeframe = new { last = "1h" } });
        await r.ProblemAsync(404);
        var g = await stranger.GetAsync("/api/v1/sources/servers/export?range=1h");
        await g.ProblemAsync(404);
    }
}
