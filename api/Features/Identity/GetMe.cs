using System.Security.Claims;
using Exports.Host;
using FastEndpoints;

namespace Exports.Features.Identity;

/// <summary>GET /auth/me: who is signed in (the SPA asks on load; 401 sends it to the login page).</summary>
public sealed class GetMe : EndpointWithoutRequest<UserResponse>
{
    public override void Configure()
    {
        Get("/auth/me");
        Description(d => d.WithTags("Identity").WithSummary("The signed-in user").ProducesProblem(401));
    }

    public override Task<UserResponse> ExecuteAsync(CancellationToken ct) => Task.FromResult(new UserResponse(User.OwnerId(),
        User.FindFirstValue(ClaimTypes.Email) ?? "", User.FindFirstValue(ClaimTypes.Name) ?? ""));
}
