using Exports.Data;
using Exports.Host;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Exports.Features.Identity;

public sealed record LoginRequest(string? Email, string? Password);
public sealed record UserResponse(Guid Id, string Email, string Name);

/// <summary>Cookie sign-in for the SPA: checks the password and issues the session cookie.</summary>
public sealed class Login(ExportsDb db)
{
    public static void Map(RouteGroupBuilder g)
    {
        g.MapPost("/auth/login", async Task<Results<Ok<UserResponse>, ProblemHttpResult>> (LoginRequest req, Login h, HttpContext ctx) =>
        {
            var errors = new Dictionary<string, string[]>();
            if (string.IsNullOrWhiteSpace(req.Email)) errors["email"] = ["Email is required."];
            if (string.IsNullOrEmpty(req.Password)) errors["password"] = ["Password is required."];
            if (errors.Count > 0) return Problems.Validation(errors);
            var user = await h.CheckAsync(req.Email!, req.Password!, ctx.RequestAborted);
            if (user is null) return Problems.Status(401, "Wrong email or password");
            await ctx.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
                Auth.Principal(user, CookieAuthenticationDefaults.AuthenticationScheme));
            return TypedResults.Ok(new UserResponse(user.Id, user.Email, user.Name));
        }).AllowAnonymous().WithTags("Identity").WithSummary("Sign in with email and password (sets the session cookie)")
          .ProducesProblem(400).ProducesProblem(401);

        g.MapPost("/auth/logout", async (HttpContext ctx) =>
        {
            await ctx.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return TypedResults.NoContent();
        }).AllowAnonymous().WithTags("Identity").WithSummary("Sign out (clears the session cookie)");
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
