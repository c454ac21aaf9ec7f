using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Exports.Features.Identity;

public sealed class LoginRequest
{
    public string? Email { get; set; }
    public string? Password { get; set; }
}

public sealed record UserResponse(Guid Id, string Email, string Name);

public sealed class SignInValidator : Validator<LoginRequest>
{
    public SignInValidator()
    {
        RuleFor(r => r.Email).NotEmpty().WithMessage("Email is required.").OverridePropertyName("email");
        RuleFor(r => r.Password).NotEmpty().WithMessage("Password is required.").OverridePropertyName("password");
    }
}

/// <summary>POST /auth/login: cookie sign-in for the SPA, throttled per account and per address (429 with
/// Retry-After, checked before the password is hashed); then the password is checked and the session cookie issued.</summary>
public sealed class SignIn(NpgsqlDataSource db, LoginThrottle throttle, ExportsSettings settings) : Endpoint<LoginRequest, Results<Ok<UserResponse>, ProblemHttpResult>>
{
    static readonly string Dummy = Secrets.HashPassword(Guid.NewGuid().ToString());

    public override void Configure()
    {
        Post("/auth/login");
        AllowAnonymous();
        Description(d => d.WithTags("Identity").WithSummary("Sign in with email and password (sets the session cookie)")
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(429));
    }

    public override async Task<Results<Ok<UserResponse>, ProblemHttpResult>> ExecuteAsync(LoginRequest req, CancellationToken ct)
    {
        var address = HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var account = LoginThrottle.Account(req.Email!);
        if (await throttle.TryBeginAsync(address, account, ct) is { } refused) return TooMany(refused, settings.Login);
        var user = await CheckAsync(req.Email!, req.Password!, ct);
        if (user is null) return Problems.Status(401, "Wrong email or password");
        await throttle.SucceededAsync(address, account, ct);
        await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            Auth.Principal(user.Id, user.Email, user.Name, CookieAuthenticationDefaults.AuthenticationScheme));
        return TypedResults.Ok(new UserResponse(user.Id, user.Email, user.Name));
    }

    ProblemHttpResult TooMany(LoginRefusal r, LoginSettings limits)
    {
        var wait = Math.Max(1, (int)Math.Ceiling(r.RetryAfter.TotalSeconds));
        HttpContext.Response.Headers.RetryAfter = wait.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var minutes = (int)limits.Window.TotalMinutes;
        return r.Limit == "account"
            ? Problems.Status(429, "Too many failed sign-ins for this account",
                $"This account had {limits.MaxFailures} failed sign-ins within {minutes} min (EXPORTS_LOGIN_MAX_FAILURES), so sign-in is paused for it. Try again in {wait} s (Retry-After); a successful sign-in resets the count.")
            : Problems.Status(429, "Too many failed sign-ins from this address",
                $"This address had {limits.MaxFailuresPerAddress} failed sign-ins within {minutes} min (EXPORTS_LOGIN_MAX_FAILURES_PER_ADDRESS). Try again in {wait} s (Retry-After).");
    }

    sealed record Account(Guid Id, string Email, string Name, string PasswordHash);

    async Task<Account?> CheckAsync(string email, string password, CancellationToken ct)
    {
        var normalized = email.Trim().ToLowerInvariant();
        Account? user = null;
        // lower(email) is the unique index users_email.
        await using (var cmd = db.CreateCommand("SELECT id, email, name, password_hash FROM users WHERE lower(email) = $1 LIMIT 1"))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = normalized });
            await using var r = await cmd.ExecuteReaderAsync(ct);
            if (await r.ReadAsync(ct)) user = new Account(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3));
        }
        if (user is null)
        {
            Secrets.VerifyPassword(password, Dummy); // same work either way: no user enumeration by timing
            return null;
        }
        return Secrets.VerifyPassword(password, user.PasswordHash) ? user : null;
    }
}
