using Exports.Host;
using FastEndpoints;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.Destinations;

/// <summary>One destination kind as this server offers it: whether it can deliver there, and if not why, in words for
/// the person filling in the form (no setting names); <c>Note</c> says what limits it when it is available.</summary>
public sealed record DestinationKindView(string Kind, bool Available, string? Reason, string? Note);

/// <summary>GET /api/v1/destinations/kinds: what this server can deliver to, so the form offers only kinds that work
/// instead of refusing one after submit.</summary>
public static class DestinationKinds
{
    public const string NoMailServer =
        "This server has no mail server set up, so it cannot send e-mail. Choose another kind, or ask your administrator to set up e-mail.";

    const string PublicOnly = "Only hosts on the public internet: this server does not deliver to private networks.";

    public static IReadOnlyList<DestinationKindView> For(ExportsSettings settings)
    {
        var note = settings.DeliveryAllowPrivateNetworks ? null : PublicOnly;
        return
        [
            new("email", settings.SmtpHost is not null, settings.SmtpHost is null ? NoMailServer : null, null),
            new("webhook", true, null, note),
            new("s3", true, null, note),
            new("sftp", true, null, note),
        ];
    }
}

/// <summary>GET /destinations/kinds: <see cref="DestinationKinds.For"/> this server's settings.</summary>
public sealed class ListDestinationKinds(ExportsSettings settings) : EndpointWithoutRequest<Ok<IReadOnlyList<DestinationKindView>>>
{
    public override void Configure()
    {
        Get("/destinations/kinds");
        Description(d => d.WithTags("Destinations").WithSummary("The destination kinds this server can deliver to, with the reason when it cannot")
            .Produces<List<DestinationKindView>>());
    }

    public override Task<Ok<IReadOnlyList<DestinationKindView>>> ExecuteAsync(CancellationToken ct) =>
        Task.FromResult(TypedResults.Ok(DestinationKinds.For(settings)));
}
