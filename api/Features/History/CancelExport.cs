using System.Security.Claims;
using Exports.Host;
using Exports.Jobs;

namespace Exports.Features.History;

/// <summary>POST /api/v1/exports/{id}/cancel: a pending job is cancelled at once; a running one stops within a
/// second (its runner polls for the flag and Quartz interrupts it on whichever node runs it), and its partial
/// file is deleted. Records who cancelled. A direct download is 409: the browser cancels it.</summary>
public static class CancelExport
{
    public static void Map(RouteGroupBuilder g) =>
        g.MapPost("/exports/{id:guid}/cancel", async (Guid id, JobQueue queue, JobRecords records, ClaimsPrincipal user, CancellationToken ct) =>
            {
                var owner = user.OwnerId();
                var by = user.Identity?.Name ?? owner.ToString();
                // A direct download runs in the browser's request, not a job: nothing here could stop it.
                if (await records.GetAsync(owner, id, ct) is { Direct: true })
                    return Problems.Status(409, "A direct download is cancelled by the browser",
                        "It streams straight to the browser's download manager; cancel it there.");
                if (await queue.CancelAsync(owner, id, by, ct) is { } job) return (IResult)TypedResults.Accepted($"/api/v1/exports/{id}", job);
                return await records.GetAsync(owner, id, ct) is { } done
                    ? Problems.Status(409, "The export has already finished", $"It is {done.Status}.")
                    : Problems.NotFound($"No export {id}.");
            })
            .WithTags("History").WithSummary("Cancel a queued or running export")
            .Produces<JobRecord>(202).ProducesProblem(404).ProducesProblem(409);
}
