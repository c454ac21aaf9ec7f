using System.Security.Claims;
using Exports.Host;

namespace Exports.Features.Identity;

/// <summary>Who is signed in (the SPA asks on load; 401 sends it to the login page).</summary>
public static class GetMe
{
    public static void Map(RouteGroupBuilder g) =>
        g.MapGet("/auth/me", (ClaimsPrincipal user) => TypedResults.Ok(new UserResponse(user.OwnerId(),
                user.FindFirstValue(ClaimTypes.Email) ?? "", user.FindFirstValue(ClaimTypes.Name) ?? "")))
            .WithTags("Identity").WithSummary("The signed-in user").ProducesProblem(401);
}
