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

    [Fact]
    public async Task CookieLogin_OfAnyUser_IgnoresCaseAndSpaces_AndMeNamesThatUser()
    {
        var (id, _) = await api.NewUserWithKeyAsync();
        var email = $"user-{id:N}@test.local";
        var login = await Host.As(null, s =>
        {
            s.Post.Json(new { email = $"  {email.ToUpperInvariant()} ", password = "secret-password" }).ToUrl("/api/v1/auth/login");
            s.StatusCodeShouldBe(HttpStatusCode.OK);
        });
        var body = await login.JsonAsync();
        Assert.Equal((id, email, "Test"), (body.GetProperty("id").GetGuid(), body.GetProperty("email").GetString(), body.GetProperty("name").GetString()));
        var cookie = login.Context.Response.Headers.SetCookie.Single(h => h!.StartsWith("exports.session="))!.Split(';')[0];
        var me = await (await Host.As(null, s =>
        {
            s.Get.Url("/api/v1/auth/me");
            s.WithRequestHeader("Cookie", cookie);
        })).JsonAsync();
        Assert.Equal((id, email, "Test"), (me.GetProperty("id").GetGuid(), me.GetProperty("email").GetString(), me.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task ApiKeyUse_MarksThatKeyUsed_AndTheListIsTheOwnersOwn_OldestFirst()
    {
        var (ownerId, owner) = await api.NewUserWithKeyAsync();
        var (_, stranger) = await api.NewUserWithKeyAsync();
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var (firstId, first) = await CreateKeyAsync(owner, "first");
        var (secondId, _) = await CreateKeyAsync(owner, "second");
        await Host.As(first, s => { s.Get.Url("/api/v1/sources"); s.StatusCodeShouldBe(HttpStatusCode.OK); });

        var keys = (await (await Host.As(owner, s => s.Get.Url("/api/v1/keys"))).JsonAsync()).GetProperty("keys").EnumerateArray().ToList();
        Assert.Equal(["test", "first", "second"], keys.Select(k => k.GetProperty("name").GetString()));
        Assert.Equal([firstId, secondId], keys.Skip(1).Select(k => k.GetProperty("id").GetGuid()));
        // The fixture's key made this very request, "first" made one, "second" none; none is revoked.
        Assert.Equal([true, true, false], keys.Select(k => k.TryGetProperty("lastUsedAt", out _)));
        Assert.All(keys, k => Assert.False(k.TryGetProperty("revokedAt", out _)));
        var used = keys[1].GetProperty("lastUsedAt").GetDateTimeOffset();
        Assert.InRange(used, before, DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT count(*) FROM api_keys WHERE owner_id = $1 AND last_used_at IS NULL", ownerId));

        var theirs = (await (await Host.As(stranger, s => s.Get.Url("/api/v1/keys"))).JsonAsync()).GetProperty("keys").EnumerateArray().ToList();
        Assert.Equal(["test"], theirs.Select(k => k.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task RevokingAnotherOwnersKey_OrARevokedOne_IsNotFound_AndLeavesTheKeyAsItWas()
    {
        var (_, owner) = await api.NewUserWithKeyAsync();
        var (_, stranger) = await api.NewUserWithKeyAsync();
        var (id, key) = await CreateKeyAsync(owner, "mine");
        await Host.ProblemAsync(stranger, 404, s => s.Delete.Url($"/api/v1/keys/{id}"));
        await Host.As(key, s => { s.Get.Url("/api/v1/sources"); s.StatusCodeShouldBe(HttpStatusCode.OK); });

        await Host.As(owner, s => { s.Delete.Url($"/api/v1/keys/{id}"); s.StatusCodeShouldBe(HttpStatusCode.NoContent); });
        var revokedAt = await api.ScalarAsync<DateTime>("SELECT revoked_at FROM api_keys WHERE id = $1", id);
        await Host.ProblemAsync(owner, 404, s => s.Delete.Url($"/api/v1/keys/{id}"));
        Assert.Equal(revokedAt, await api.ScalarAsync<DateTime>("SELECT revoked_at FROM api_keys WHERE id = $1", id)); // not moved by the second call
        var listed = (await (await Host.As(owner, s => s.Get.Url("/api/v1/keys"))).JsonAsync()).GetProperty("keys").EnumerateArray()
            .Single(k => k.GetProperty("id").GetGuid() == id);
        Assert.True(listed.TryGetProperty("revokedAt", out _));
        await Host.ProblemAsync(key, 401, s => s.Get.Url("/api/v1/sources"));
    }

    [Fact]
    public async Task ApiKeyUse_SetsANeverUsedKeysMark_ThenRewritesItAtMostOnceAMinute()
    {
        var (ownerId, owner) = await api.NewUserWithKeyAsync();
        var (id, key) = await CreateKeyAsync(owner, "busy");
        Assert.True(await api.ScalarAsync<bool>("SELECT last_used_at IS NULL FROM api_keys WHERE id = $1", id));

        var before = DateTime.UtcNow.AddSeconds(-1);
        await Host.As(key, s => { s.Get.Url("/api/v1/sources"); s.StatusCodeShouldBe(HttpStatusCode.OK); });
        var first = await api.ScalarAsync<DateTime>("SELECT last_used_at FROM api_keys WHERE id = $1", id);
        Assert.InRange(first, before, DateTime.UtcNow.AddSeconds(1));

        // A second request within the minute still names the owner, and leaves the mark where the first put it.
        await Task.Delay(50);
        var me = await (await Host.As(key, s => { s.Get.Url("/api/v1/auth/me"); s.StatusCodeShouldBe(HttpStatusCode.OK); })).JsonAsync();
        Assert.Equal(ownerId, me.GetProperty("id").GetGuid());
        Assert.Equal(first, await api.ScalarAsync<DateTime>("SELECT last_used_at FROM api_keys WHERE id = $1", id));

        // A mark older than the minute is moved to now.
        var old = await api.ScalarAsync<DateTime>("UPDATE api_keys SET last_used_at = now() - interval '61 seconds' WHERE id = $1 RETURNING last_used_at", id);
        before = DateTime.UtcNow.AddSeconds(-1);
        await Host.As(key, s => { s.Get.Url("/api/v1/sources"); s.StatusCodeShouldBe(HttpStatusCode.OK); });
        var moved = await api.ScalarAsync<DateTime>("SELECT last_used_at FROM api_keys WHERE id = $1", id);
        Assert.True(moved > old);
        Assert.InRange(moved, before, DateTime.UtcNow.AddSeconds(1));
        Assert.Equal(TimeSpan.FromMinutes(1), Exports.Host.ApiKeyHandler.LastUsedResolution);
    }

    async Task<(Guid Id, string Key)> CreateKeyAsync(string owner, string name)
    {
        var created = await (await Host.As(owner, s =>
        {
            s.Post.Json(new { name }).ToUrl("/api/v1/keys");
            s.StatusCodeShouldBe(HttpStatusCode.Created);
        })).JsonAsync();
        Assert.Equal(name, created.GetProperty("name").GetString());
        return (created.GetProperty("id").GetGuid(), created.GetProperty("key").GetString()!);
    }
}
