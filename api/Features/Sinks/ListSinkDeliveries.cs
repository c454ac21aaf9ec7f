using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.Sinks;

/// <summary>GET /sources/{source}/sinks/{id}/deliveries: the sink's latest 100 batches, newest first: sequence, the
/// live sequences covered, rows, status, attempts, the receiver's status, latency and the last error.</summary>
public sealed class ListSinkDeliveries(SinkStore store) : Endpoint<SinkIdRequest, Results<Ok<List<SinkDeliveryView>>, ProblemHttpResult>>
{
    public const int Recent = 100;

    public override void Configure()
    {
        Get("/sources/{source}/sinks/{id:guid}/deliveries");
        Description(d => d.WithTags("Sinks").WithSummary("A webhook sink's recent deliveries").Produces<List<SinkDeliveryView>>().ProducesProblem(404));
    }

    public override async Task<Results<Ok<List<SinkDeliveryView>>, ProblemHttpResult>> ExecuteAsync(SinkIdRequest req, CancellationToken ct) =>
        await store.DeliveriesAsync(User.OwnerId(), req.Source, req.Id, Recent, ct) is { } list ? TypedResults.Ok(list) : Problems.NotFound($"No sink {req.Id} on '{req.Source}'.");
}
