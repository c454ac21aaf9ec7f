using System.Security.Claims;
using Exports.Host;
using Exports.Jobs;

namespace Exports.Features.History;

/// <summary>GET /api/v1/exports/{id}: one export with its request, state, progress, timings, size, tier, rows,
/// downloads and expiry.</summary>
public static class GetExport
{
    public static void Map(RouteGroupBuilder g) =>
        g.MapGet("/exports/{id:guid}", async (Guid id, JobRecords records, ClaimsPrincipal user, CancellationToken ct) =>
                await records.GetAsync(user.OwnerId(), id, ct) is { } job ? (IResult)TypedResults.Ok(job) : Problems.NotFound($"No export {id}."))
            .WithTags("History").WithSummary("One export").Produces<JobRecord>().ProducesProblem(404);
}

/// <summary>GET /api/v1/exports/{id}/deliveries: each destination's delivery result (status, attempts, last error,
/// duration).</summary>
public static class ListDeliveries
{
    public static void Map(RouteGroupBuilder g) =>
        g.MapGet("/exports/{id:guid}/deliveries", async (Guid id, JobRecords records, Exports.Delivery.DeliveryService deliveries, ClaimsPrincipal user, CancellationToken ct) =>
                await records.GetAsync(user.OwnerId(), id, ct) is null
                    ? (IResult)Problems.NotFound($"No export {id}.")
                    : TypedResults.Ok(await deliveries.ResultsAsync([id], ct)))
            .WithTags("History").WithSummary("An export's delivery results").Produces<List<Exports.Delivery.DeliveryResult>>().ProducesProblem(404);
}
