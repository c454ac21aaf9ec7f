using FastEndpoints;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Exports.Features.Identity;

/// <summary>POST /auth/logout: clears the session cookie (anonymous, so an expired session can still sign out).</summary>
public sealed class SignOut : EndpointWithoutRequest
{
    public override void Configure()
    {
        Post("/auth/logout");
        AllowAnonymous();
        Description(d => d.WithTags("Identity").WithSummary("Sign out (clears the session cookie)").Produces(204));
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        await Send.NoContentAsync(ct);
    }
}
