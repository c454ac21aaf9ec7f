using Exports.Delivery;
using Exports.Host;
using FastEndpoints;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.Destinations;

/// <summary>GET /destinations: your delivery destinations; secrets are never returned, only their names.</summary>
public sealed class ListDestinations(Exports.Delivery.Destinations store) : EndpointWithoutRequest<Ok<List<DestinationView>>>
{
    public override void Configure()
    {
        Get("/destinations");
        Description(d => d.WithTags("Destinations").WithSummary("Your delivery destinations (secrets never shown)").Produces<List<DestinationView>>());
    }

    public override async Task<Ok<List<DestinationView>>> ExecuteAsync(CancellationToken ct) =>
        TypedResults.Ok(await store.ListAsync(User.OwnerId(), ct));
}
