using Exports.Delivery;
using Exports.Host;
using Exports.Jobs;
using Exports.Shared;
using FastEndpoints;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.History;

/// <summary>GET /exports/{id}/deliveries: each destination's delivery result (status, attempts, last error,
/// duration).</summary>
public sealed class ListDeliveries(JobRecords records, DeliveryService deliveries)
    : Endpoint<ExportIdRequest, Results<Ok<List<DeliveryResult>>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Get("/exports/{id:guid}/deliveries");
        Description(d => d.WithTags("History").WithSummary("An export's delivery results").Produces<List<DeliveryResult>>().ProducesProblem(404));
    }

    public override async Task<Results<Ok<List<DeliveryResult>>, ProblemHttpResult>> ExecuteAsync(ExportIdRequest req, CancellationToken ct) =>
        await records.GetAsync(User.OwnerId(), req.Id, ct) is null
            ? Problems.NotFound($"No export {req.Id}.")
            : TypedResults.Ok(await deliveries.ResultsAsync([req.Id], ct));
}
