using System.Security.Claims;
using System.Text.Encodings.Web;
using Exports.Data;
using Exports.Shared;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

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

    public static Guid OwnerId(this ClaimsPrincipal user) =>
        Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("No owner on an authenticated request."));

    public static ClaimsPrincipal Principal(Data.User user, string scheme) => new(new ClaimsIdentity(
    [
        new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()),
        new Claim(ClaimTypes.Email, user.Email),
        new Claim(ClaimTypes.Name, user.Name),
    ], scheme));
}

public sealed class ApiKeyHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger,
    UrlEncoder encoder, ExportsDb db, TimeProvider clock) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.NoResult();
        var token = header["Bearer ".Length..].Trim();
        if (token.Length == 0) return AuthenticateResult.Fail("Empty API key.");
        var hash = Secrets.HashApiKey(token);
        var found = await db.ApiKeys.Where(k => k.Hash == hash && k.RevokedAt == null)
            .Join(db.Users, k => k.OwnerId, u => u.Id, (k, u) => new { k.Id, User = u })
            .FirstOrDefaultAsync(Context.RequestAborted);
        if (found is null) return AuthenticateResult.Fail("Unknown or revoked API key.");
        await db.ApiKeys.Where(k => k.Id == found.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, clock.GetUtcNow()), Context.RequestAborted);
        return AuthenticateResult.Success(new AuthenticationTicket(Auth.Principal(found.User, Scheme.Name), Scheme.Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        Problems.Write(Context, 401, "Authentication required", "The API key is missing, unknown or revoked.");
}
