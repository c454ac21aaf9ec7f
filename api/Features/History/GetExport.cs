using Exports.Host;
using Exports.Jobs;
using Exports.Shared;
using FastEndpoints;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.History;

/// <summary>GET /exports/{id}: one export with its request, state, progress, timings, size, tier, rows, downloads
/// and expiry.</summary>
public sealed class GetExport(JobRecords records) : Endpoint<ExportIdRequest, Results<Ok<JobRecord>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Get("/exports/{id:guid}");
        Description(d => d.WithTags("History").WithSummary("One export").Produces<JobRecord>().ProducesProblem(404));
    }

    public override async Task<Results<Ok<JobRecord>, ProblemHttpResult>> ExecuteAsync(ExportIdRequest req, CancellationToken ct) =>
        await records.GetAsync(User.OwnerId(), req.Id, ct) is { } job ? TypedResults.Ok(job) : Problems.NotFound($"No export {req.Id}.");
}
