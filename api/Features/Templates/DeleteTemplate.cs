using System.Security.Claims;
using Exports.Data;
using Exports.Host;
using Microsoft.EntityFrameworkCore;

namespace Exports.Features.Templates;

/// <summary>DELETE /api/v1/templates/{id}: the template, its versions and its schedules (their triggers are removed
/// by the schedule slice's sweep of schedules that no longer exist).</summary>
public static class DeleteTemplate
{
    public static void Map(RouteGroupBuilder g) =>
        g.MapDelete("/templates/{id:guid}", async (Guid id, ExportsDb db, ClaimsPrincipal user, CancellationToken ct) =>
            {
                var owner = user.OwnerId();
                var n = await db.Templates.Where(x => x.Id == id && x.OwnerId == owner).ExecuteDeleteAsync(ct);
                return n == 0 ? (IResult)Problems.NotFound($"No template {id}.") : TypedResults.NoContent();
            })
            .WithTags("Templates").WithSummary("Delete a template").Produces(204).ProducesProblem(404);
}
