using System.Net;
using System.Text.Json;
using Exports.Host;
using Exports.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Exports.Tests.Features.Identity;

/// <summary>Sign-in is throttled per account and per client address (429 Problem Details with Retry-After, before
/// any password is hashed); a successful sign-in resets the account. Each test signs in from its own address
/// (set on the test server's connection), so the tests do not share the address window.</summary>
[Collection(ApiCollection.Name)]
public sealed class LoginThrottleTests(ApiFixture api)
{
    LoginSettings Limits => api.Host.Services.GetRequiredService<ExportsSettings>().Login;

    static string NewAddress() => $"198.51.{Random.Shared.Next(0, 255)}.{Random.Shared.Next(1, 255)}";

    async Task<(int Status, string? RetryAfter, JsonElement Body)> LoginAsync(string email, string password, string address)
    {
        var ip = IPAddress.Parse(address);
        using var client = new HttpClient(api.Host.Server.CreateHandler(c => c.Connection.RemoteIpAddress = ip)) { BaseAddress = api.Host.Server.BaseAddress };
        var r = await client.PostJsonAsync("/api/v1/auth/login", new { email, password });
        var text = await r.Content.ReadAsStringAsync();
        return ((int)r.StatusCode, r.Headers.RetryAfter?.Delta?.TotalSeconds.ToString("0"), text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default);
    }

    async Task<string> UserEmailAsync() => (string)(await api.RowsAsync("SELECT email FROM users WHERE id = $1", (await api.NewUserAsync()).Id))[0][0]!;

    [Fact]
    public async Task FailuresPastTheAccountLimit_Are429WithRetryAfter_EvenWithTheRightPassword()
    {
        var email = await UserEmailAsync();
        for (var i = 0; i < Limits.MaxFailures; i++)
            Assert.Equal(401, (await LoginAsync(email, "wrong-" + i, NewAddress())).Status); // a new address each time: the account limit alone
        var (status, retryAfter, body) = await LoginAsync(email.ToUpperInvariant(), "secret-password", NewAddress());
        Assert.Equal(429, status);
        Assert.InRange(int.Parse(retryAfter!), 1, (int)Limits.Window.TotalSeconds);
        Assert.Equal("Too many failed sign-ins for this account", body.GetProperty("title").GetString());
        Assert.Contains("EXPORTS_LOGIN_MAX_FAILURES", body.GetProperty("detail").GetString());
        Assert.Equal((long)Limits.MaxFailures, await api.ScalarAsync<long>("SELECT count(*) FROM login_failures WHERE account = sha256(convert_to(lower($1), 'UTF8'))", email));
    }

    [Fact]
    public async Task ASuccessfulSignIn_ResetsTheAccountCount()
    {
        var email = await UserEmailAsync();
        var address = NewAddress();
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < Limits.MaxFailures - 1; i++) Assert.Equal(401, (await LoginAsync(email, "wrong", address)).Status);
            Assert.Equal(200, (await LoginAsync(email, "secret-password", address)).Status);
            Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM login_failures WHERE account = sha256(convert_to(lower($1), 'UTF8'))", email));
        }
    }

    [Fact]
    public async Task FailuresPastTheAddressLimit_Are429ForEveryAccountFromThatAddress_NotForOthers()
    {
        var address = NewAddress();
        var email = await UserEmailAsync();
        for (var i = 0; i < Limits.MaxFailuresPerAddress; i++)
            Assert.Equal(401, (await LoginAsync($"nobody-{i % 7}-{Guid.NewGuid():N}@test.local", "wrong", address)).Status);
        var (status, retryAfter, body) = await LoginAsync(email, "secret-password", address);
        Assert.Equal(429, status);
        Assert.NotNull(retryAfter);
        Assert.Contains("EXPORTS_LOGIN_MAX_FAILURES_PER_ADDRESS", body.GetProperty("detail").GetString());
        Assert.Equal(200, (await LoginAsync(email, "secret-password", NewAddress())).Status);
    }
}
