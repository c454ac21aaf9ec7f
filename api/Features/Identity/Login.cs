using Exports.Data;
using Exports.Host;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Exports.Features.Identity;

public sealed record LoginRequest(string? Email, string? Password);
public sealed record UserResponse(Guid Id, string Email, string Name);

/// <summary>Cookie sign-in for the SPA: throttled per account and per address (429 with Retry-After, checked
/// before the password is hashed), then checks the password and issues the session cookie.</summary>
public sealed class Login(ExportsDb db)
{
    public static void Map(RouteGroupBuilder g)
    {
        g.MapPost("/auth/login", async Task<Results<Ok<UserResponse>, ProblemHttpResult>> (LoginRequest req, Login h, LoginThrottle throttle, ExportsSettings settings, HttpContext ctx) =>
        {
            var errors = new Dictionary<string, string[]>();
            if (string.IsNullOrWhiteSpace(req.Email)) errors["email"] = ["Email is required."];
            if (string.IsNullOrEmpty(req.Password)) errors["password"] = ["Password is required."];
            if (errors.Count > 0) return Problems.Validation(errors);
            var ct = ctx.RequestAborted;
            var address = ctx.Connection.RemoteIpAddress?.ToString() ?? "unknown";
            var account = LoginThrottle.Account(req.Email!);
            if (await throttle.TryBeginAsync(address, account, ct) is { } refused) return TooMany(refused, settings.Login, ctx);
            var user = await h.CheckAsync(req.Email!, req.Password!, ct);
            if (user is null) return Problems.Status(401, "Wrong email or password");
            await throttle.SucceededAsync(address, account, ct);
            await ctx.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
                Auth.Principal(user, CookieAuthenticationDefaults.AuthenticationScheme));
            return TypedResults.Ok(new UserResponse(user.Id, user.Email, user.Name));
        }).AllowAnonymous().WithTags("Identity").WithSummary("Sign in with email and password (sets the session cookie)")
          .ProducesProblem(400).ProducesProblem(401).ProducesProblem(429);

        g.MapPost("/auth/logout", async (HttpContext ctx) =>
        {
            await ctx.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return TypedResults.NoContent();
        }).AllowAnonymous().WithTags("Identity").WithSummary("Sign out (clears the session cookie)");
    }

    static ProblemHttpResult TooMany(LoginRefusal r, LoginSettings limits, HttpContext ctx)
    {
        var wait = Math.Max(1, (int)Math.Ceiling(r.RetryAfter.TotalSeconds));
        ctx.Response.Headers.RetryAfter = wait.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var minutes = (int)limits.Window.TotalMinutes;
        return r.Limit == "account"
            ? Problems.Status(429, "Too many failed sign-ins for this account",
                $"This account had {limits.MaxFailures} failed sign-ins within {minutes} min (EXPORTS_LOGIN_MAX_FAILURES), so sign-in is paused for it. Try again in {wait} s (Retry-After); a successful sign-in resets the count.")
            : Problems.Status(429, "Too many failed sign-ins from this address",
                $"This address had {limits.MaxFailuresPerAddress} failed sign-ins within {minutes} min (EXPORTS_LOGIN_MAX_FAILURES_PER_ADDRESS). Try again in {wait} s (Retry-After).");
    }

    public async Task<User?> CheckAsync(string email, string password, CancellationToken ct)
    {
        var normalized = email.Trim().ToLowerInvariant();
        var user = await db.Users.FirstOrDefaultAsync(u => u.Email.ToLower() == normalized, ct);
        if (user is null)
        {
            Secrets.VerifyPassword(password, Dummy); // same work either way: no user enumeration by timing
            return null;
        }
        return Secrets.VerifyPassword(password, user.PasswordHash) ? user : null;
    }

    static readonly string Dummy = Secrets.HashPassword(Guid.NewGuid().ToString());
}
