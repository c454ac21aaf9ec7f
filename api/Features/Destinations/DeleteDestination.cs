using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.Destinations;

/// <summary>DELETE /destinations/{id}: removes one of your destinations with its stored secrets.</summary>
public sealed class DeleteDestination(Exports.Delivery.Destinations store) : Endpoint<DestinationIdRequest, Results<NoContent, ProblemHttpResult>>
{
    public override void Configure()
    {
        Delete("/destinations/{id:guid}");
        Description(d => d.WithTags("Destinations").WithSummary("Delete a destination").Produces(204).ProducesProblem(404));
    }

    public override async Task<Results<NoContent, ProblemHttpResult>> ExecuteAsync(DestinationIdRequest req, CancellationToken ct) =>
        await store.DeleteAsync(User.OwnerId(), req.Id, ct) ? TypedResults.NoContent() : Problems.NotFound($"No destination {req.Id}.");
}
