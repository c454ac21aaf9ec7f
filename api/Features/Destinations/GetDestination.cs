using Exports.Delivery;
using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.Destinations;

/// <summary>GET /destinations/{id}: one of your destinations (secrets by name only); another owner's is "not found".</summary>
public sealed class GetDestination(Exports.Delivery.Destinations store) : Endpoint<DestinationIdRequest, Results<Ok<DestinationView>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Get("/destinations/{id:guid}");
        Description(d => d.WithTags("Destinations").WithSummary("One destination").Produces<DestinationView>().ProducesProblem(404));
    }

    public override async Task<Results<Ok<DestinationView>, ProblemHttpResult>> ExecuteAsync(DestinationIdRequest req, CancellationToken ct) =>
        await store.GetViewAsync(User.OwnerId(), req.Id, ct) is { } d ? TypedResults.Ok(d) : Problems.NotFound($"No destination {req.Id}.");
}
