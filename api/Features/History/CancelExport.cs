using Exports.Host;
using Exports.Jobs;
using Exports.Shared;
using FastEndpoints;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.History;

/// <summary>POST /exports/{id}/cancel: a pending job is cancelled at once; a running one stops within a second (its
/// runner polls for the flag and Quartz interrupts it on whichever node runs it), and its partial file is deleted.
/// Records who cancelled. A direct download is 409: the browser cancels it.</summary>
public sealed class CancelExport(JobRecords records, TimeProvider clock) : Endpoint<ExportIdRequest, Results<Accepted<JobRecord>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Post("/exports/{id:guid}/cancel");
        Description(d => d.WithTags("History").WithSummary("Cancel a queued or running export")
            .Produces<JobRecord>(202).ProducesProblem(404).ProducesProblem(409));
    }

    public override async Task<Results<Accepted<JobRecord>, ProblemHttpResult>> ExecuteAsync(ExportIdRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        var by = User.Identity?.Name ?? owner.ToString();
        // A direct download runs in the browser's request, not a job: nothing here could stop it.
        if (await records.GetAsync(owner, req.Id, ct) is { Direct: true })
            return Problems.Status(409, "A direct download is cancelled by the browser",
                "It streams straight to the browser's download manager; cancel it there.");
        // A pending job is cancelled at once (its message finds it cancelled and stops); a running one through its
        // runner, which polls the flag every quarter second on whichever node runs it.
        if (await records.RequestCancelAsync(owner, req.Id, by, clock.GetUtcNow(), ct) is { } job) return TypedResults.Accepted($"/api/v1/exports/{req.Id}", job);
        return await records.GetAsync(owner, req.Id, ct) is { } done
            ? Problems.Status(409, "The export has already finished", $"It is {done.Status}.")
            : Problems.NotFound($"No export {req.Id}.");
    }
}
