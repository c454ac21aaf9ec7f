using System.Net;
using Alba;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.Identity;

/// <summary>Sign-in by cookie, API keys and owner isolation, as Alba scenarios on the fixture's host: status and
/// headers checked by Alba, JSON read back.</summary>
[Collection(ApiCollection.Name)]
public sealed class IdentityTests(ApiFixture api)
{
    IAlbaHost Host => api.Host;

    [Fact]
    public async Task NoCredentials_Returns401Problem()
    {
        await Host.ProblemAsync(null, 401, s => s.Get.Url("/api/v1/sources"));
    }

    [Fact]
    public async Task CookieLogin_ThenMe_ReturnsTheDemoUser()
    {
        var login = await Host.As(null, s =>
        {
            s.Post.Json(new { email = "DEMO@exports.local", password = "demo-password" }).ToUrl("/api/v1/auth/login");
            s.StatusCodeShouldBe(HttpStatusCode.OK);
            s.Header("Set-Cookie").ShouldHaveOneNonNullValue();
        });
        var cookie = login.Context.Response.Headers.SetCookie.Single(h => h!.StartsWith("exports.session="))!;
        Assert.Contains("httponly", cookie.ToLowerInvariant());
        var me = await (await Host.As(null, s =>
        {
            s.Get.Url("/api/v1/auth/me");
            s.WithRequestHeader("Cookie", cookie.Split(';')[0]);
        })).JsonAsync();
        Assert.Equal("demo@exports.local", me.GetProperty("email").GetString());
    }

    [Fact]
    public async Task WrongPassword_Returns401WithoutCookie()
    {
        await Host.ProblemAsync(null, 401, s =>
        {
            s.Post.Json(new { email = "demo@exports.local", password = "nope" }).ToUrl("/api/v1/auth/login");
            s.Header("Set-Cookie").ShouldNotBeWritten();
        });
    }

    [Fact]
    public async Task ApiKey_CreatedListedWithoutSecret_ThenRevokedKeyIsRefused()
    {
        var (_, owner) = await api.NewUserWithKeyAsync();
        var created = await (await Host.As(owner, s =>
        {
            s.Post.Json(new { name = "ci" }).ToUrl("/api/v1/keys");
            s.StatusCodeShouldBe(HttpStatusCode.Created);
        })).JsonAsync();
        var key = created.GetProperty("key").GetString()!;
        var id = created.GetProperty("id").GetString();
        await Host.As(key, s =>
        {
            s.Get.Url("/api/v1/sources");
            s.StatusCodeShouldBe(HttpStatusCode.OK);
        });

        var list = await (await Host.As(owner, s => s.Get.Url("/api/v1/keys"))).JsonAsync();
        var text = list.ToString();
        Assert.DoesNotContain(key, text);
        Assert.Contains(key[..10], text);

        await Host.As(owner, s =>
        {
            s.Delete.Url($"/api/v1/keys/{id}");
            s.StatusCodeShouldBe(HttpStatusCode.NoContent);
        });
        await Host.ProblemAsync(key, 401, s => s.Get.Url("/api/v1/sources"));
        var stored = await api.ScalarAsync<long>("SELECT count(*) FROM api_keys WHERE prefix = $1 AND revoked_at IS NOT NULL", key[..10]);
        Assert.Equal(1, stored);
    }

    [Fact]
    public async Task OtherOwnersSource_IsNotFoundNotForbidden()
    {
        var (_, stranger) = await api.NewUserWithKeyAsync();
        var sources = await (await Host.As(stranger, s => s.Get.Url("/api/v1/sources"))).JsonAsync();
        Assert.Equal(0, sources.GetProperty("sources").GetArrayLength());
        await Host.ProblemAsync(stranger, 404, s => s.Post.Json(new { source = "servers", timeframe = new { last = "1h" } }).ToUrl("/api/v1/exports/series"));
        await Host.ProblemAsync(stranger, 404, s => s.Get.Url("/api/v1/sources/servers/export").QueryString("range", "1h"));
    }
}
