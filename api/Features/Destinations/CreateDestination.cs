using Exports.Delivery;
using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.Destinations;

/// <summary>POST /destinations: a new e-mail, webhook, S3 or SFTP destination; names are unique per owner (409).
/// The body's rules are <see cref="DestinationBodyValidator"/>'s, answered under the destination's title.</summary>
public sealed class CreateDestination(Exports.Delivery.Destinations store, TimeProvider clock)
    : Endpoint<DestinationBody, Results<Created<DestinationView>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Post("/destinations");
        DontThrowIfValidationFails();
        Description(d => d.WithTags("Destinations").WithSummary("Add an e-mail, webhook, S3 or SFTP destination")
            .Produces<DestinationView>(201).ProducesProblem(400).ProducesProblem(409));
    }

    public override async Task<Results<Created<DestinationView>, ProblemHttpResult>> ExecuteAsync(DestinationBody body, CancellationToken ct)
    {
        if (ValidationFailed) return DestinationRules.Invalid(ValidationFailures);
        var owner = User.OwnerId();
        var (name, kind, config) = DestinationRules.Normalized(body);
        var id = Guid.CreateVersion7();
        if (!await store.SaveAsync(owner, id, name, kind, config, body.Secrets, isNew: true, clock.GetUtcNow(), ct))
            return NameTaken(name);
        // Deleted by another request between the write and this read: gone, not a server error.
        if (await store.GetViewAsync(owner, id, ct) is not { } view) return Problems.NotFound($"No destination {id}.");
        return TypedResults.Created($"/api/v1/destinations/{id}", view);
    }

    public static ProblemHttpResult NameTaken(string name) =>
        Problems.Status(409, "A destination with this name exists", $"You already have a destination named '{name}'.");
}
