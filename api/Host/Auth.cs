using System.Security.Claims;
using System.Text.Encodings.Web;
using Exports.Data;
using Exports.Shared;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Exports.Host;

public static class Auth
{
    public const string ApiKeyScheme = "ApiKey";
    const string Smart = "Smart";

    public static void AddExportsAuth(this IServiceCollection services)
    {
        services.AddAuthentication(Smart)
            .AddPolicyScheme(Smart, "API key or cookie", o => o.ForwardDefaultSelector = ctx =>
                ctx.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? ApiKeyScheme
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyHandler>(ApiKeyScheme, _ => { })
            .AddCookie(o =>
            {
                o.Cookie.Name = "exports.session";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromHours(12);
                o.SlidingExpiration = true;
                o.Events.OnRedirectToLogin = ctx => Problems.Write(ctx.HttpContext, 401, "Authentication required",
                    "Sign in, or send an API key as 'Authorization: Bearer <key>'.");
                o.Events.OnRedirectToAccessDenied = ctx => Problems.Write(ctx.HttpContext, 403, "Forbidden", null);
            });
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
    }

    /// <summary>The claim naming the API key a request was authenticated with (none for the session cookie).</summary>
    public const string ApiKeyClaim = "exports:api_key";

    /// <summary>The id of the API key the request was authenticated with, or null (the session cookie).</summary>
    public static Guid? ApiKeyId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ApiKeyClaim), out var id) ? id : null;

    public static Guid OwnerId(this ClaimsPrincipal user) =>
        Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("No owner on an authenticated request."));

    public static ClaimsPrincipal Principal(Guid id, string email, string name, string scheme, Guid? apiKey = null) => new(new ClaimsIdentity(
    [
        new Claim(ClaimTypes.NameIdentifier, id.ToString()),
        new Claim(ClaimTypes.Email, email),
        new Claim(ClaimTypes.Name, name),
        .. apiKey is { } key ? [new Claim(ApiKeyClaim, key.ToString())] : Array.Empty<Claim>(),
    ], scheme));
}

public sealed class ApiKeyHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger,
    UrlEncoder encoder, NpgsqlDataSource db, TimeProvider clock) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>How stale a key's last_used_at may get: a request rewrites it only when it is missing or older than
    /// this, so the key list's lastUsedAt is exact to within this and a key writes at most once per this interval.</summary>
    public static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.NoResult();
        var token = header["Bearer ".Length..].Trim();
        if (token.Length == 0) return AuthenticateResult.Fail("Empty API key.");
        var hash = Secrets.HashApiKey(token);
        // One indexed statement per request (api_keys_hash is unique): a live key names its owner, and is marked used
        // only when its mark is missing or older than LastUsedResolution, so a busy key writes at most once a minute
        // instead of on every request (a row version and WAL per request). The UPDATE runs whether or not its CTE is read.
        await using var cmd = db.CreateCommand("""
            WITH k AS (SELECT id, owner_id FROM api_keys WHERE hash = $1 AND revoked_at IS NULL),
            touched AS (
                UPDATE api_keys SET last_used_at = $2
                WHERE hash = $1 AND revoked_at IS NULL AND (last_used_at IS NULL OR last_used_at < $3))
            SELECT u.id, u.email, u.name, k.id FROM k JOIN users u ON u.id = k.owner_id
            """);
        var now = clock.GetUtcNow();
        cmd.Parameters.Add(new NpgsqlParameter { Value = hash });
        cmd.Parameters.Add(new NpgsqlParameter { Value = now });
        cmd.Parameters.Add(new NpgsqlParameter { Value = now - LastUsedResolution });
        await using var r = await cmd.ExecuteReaderAsync(Context.RequestAborted);
        if (!await r.ReadAsync(Context.RequestAborted)) return AuthenticateResult.Fail("Unknown or revoked API key.");
        var principal = Auth.Principal(r.GetGuid(0), r.GetString(1), r.GetString(2), Scheme.Name, r.GetGuid(3));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        Problems.Write(Context, 401, "Authentication required", "The API key is missing, unknown or revoked.");
}
