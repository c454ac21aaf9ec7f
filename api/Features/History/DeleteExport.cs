using Exports.Host;
using Exports.Jobs;
using Exports.Storage;
using Exports.Shared;
using FastEndpoints;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.History;

/// <summary>DELETE /exports/{id}: removes a finished export, its history (event stream) and its file. A running one must be cancelled first
/// (409).</summary>
public sealed class DeleteExport(JobRecords records, IArtifactStore store) : Endpoint<ExportIdRequest, Results<NoContent, ProblemHttpResult>>
{
    public override void Configure()
    {
        Delete("/exports/{id:guid}");
        Description(d => d.WithTags("History").WithSummary("Delete an export and its file").Produces(204).ProducesProblem(404).ProducesProblem(409));
    }

    public override async Task<Results<NoContent, ProblemHttpResult>> ExecuteAsync(ExportIdRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        if (await records.GetAsync(owner, req.Id, ct) is not { } job) return Problems.NotFound($"No export {req.Id}.");
        if (!JobStatus.IsFinal(job.Status)) return Problems.Status(409, "The export is still running", "Cancel it first.");
        // The record (and its stream) first, then the file: a failure in between leaves an orphan file, never a
        // completed job whose file is gone. A job deleted or changed meanwhile by another request: as if looked up now.
        if (!await records.DeleteAsync(owner, req.Id, ct))
            return await records.GetAsync(owner, req.Id, ct) is null
                ? Problems.NotFound($"No export {req.Id}.")
                : Problems.Status(409, "The export is still running", "Cancel it first.");
        await store.DeleteAsync(job.StorageKey, ct);
        return TypedResults.NoContent();
    }
}
