using Exports.Delivery;
using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.Destinations;

public sealed class UpdateDestinationRequest : DestinationBody
{
    public Guid Id { get; set; }
}

/// <summary>Nothing to refuse up front: the body's rules depend on the saved destination (a secret left out keeps its
/// stored value), so the endpoint checks them once it has loaded it (404 first, the empty GUID included).</summary>
public sealed class UpdateDestinationValidator : Validator<UpdateDestinationRequest>;

/// <summary>PUT /destinations/{id}: replaces name, kind and config; secrets left out keep their stored values.</summary>
public sealed class UpdateDestination(Exports.Delivery.Destinations store, ExportsSettings settings, TimeProvider clock)
    : Endpoint<UpdateDestinationRequest, Results<Ok<DestinationView>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Put("/destinations/{id:guid}");
        Description(d => d.WithTags("Destinations").WithSummary("Change a destination (secrets left out keep their values)")
            .Produces<DestinationView>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(409));
    }

    public override async Task<Results<Ok<DestinationView>, ProblemHttpResult>> ExecuteAsync(UpdateDestinationRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        if (await store.GetViewAsync(owner, req.Id, ct) is not { } existing) return Problems.NotFound($"No destination {req.Id}.");
        if (await DestinationRules.CheckAsync(req, existing.Secrets, settings, ct) is { Any: true } errors) return DestinationRules.Invalid(errors.ToDictionary());
        var (name, kind, config) = DestinationRules.Normalized(req);
        if (!await store.SaveAsync(owner, req.Id, name, kind, config, req.Secrets, isNew: false, clock.GetUtcNow(), ct))
            return CreateDestination.NameTaken(name);
        // Deleted by another request between the write and this read: gone, not a server error.
        if (await store.GetViewAsync(owner, req.Id, ct) is not { } view) return Problems.NotFound($"No destination {req.Id}.");
        return TypedResults.Ok(view);
    }
}
