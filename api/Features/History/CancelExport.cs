using System.Security.Claims;
using Exports.Host;
using Exports.Jobs;

namespace Exports.Features.History;

/// <summary>POST /api/v1/exports/{id}/cancel: a pending job is cancelled at once; a running one stops within a
/// second (its runner polls for the flag and Quartz interrupts it on whichever node runs it), and its partial
/// file is deleted. Records who cancelled.</summary>
public static class CancelExport
{
    public static void Map(RouteGroupBuilder g) =>
        g.MapPost("/exports/{id:guid}/cancel", async (Guid id, JobQueue queue, JobRecords records, ClaimsPrincipal user, CancellationToken ct) =>
            {
                var owner = user.OwnerId();
                var by = user.Identity?.Name ?? owner.ToString();
                if (await queue.CancelAsync(owner, id, by, ct) is { } job) return (IResult)TypedResults.Accepted($"/api/v1/exports/{id}", job);
                return await records.GetAsync(owner, id, ct) is { } done
                    ? Problems.Status(409, "The export has already finished", $"It is {done.Status}.")
                    : Problems.NotFound($"No export {id}.");
            })
            .WithTags("History").WithSummary("Cancel a queued or running export")
            .Produces<JobRecord>(202).ProducesProblem(404).ProducesProblem(409);
}
