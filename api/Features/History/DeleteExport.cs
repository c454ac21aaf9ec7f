using System.Security.Claims;
using Exports.Host;
using Exports.Jobs;

namespace Exports.Features.History;

/// <summary>DELETE /api/v1/exports/{id}: removes a finished export and its file. A running one must be cancelled
/// first (409).</summary>
public static class DeleteExport
{
    public static void Map(RouteGroupBuilder g) =>
        g.MapDelete("/exports/{id:guid}", async (Guid id, JobQueue queue, ClaimsPrincipal user, CancellationToken ct) =>
            {
                var (found, running) = await queue.DeleteAsync(user.OwnerId(), id, ct);
                if (!found) return (IResult)Problems.NotFound($"No export {id}.");
                return running ? Problems.Status(409, "The export is still running", "Cancel it first.") : TypedResults.NoContent();
            })
            .WithTags("History").WithSummary("Delete an export and its file").Produces(204).ProducesProblem(404).ProducesProblem(409);
}
