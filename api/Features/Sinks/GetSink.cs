using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.Sinks;

/// <summary>GET /sources/{source}/sinks/{id}: one sink, with its cursor and, when paused, why.</summary>
public sealed class GetSink(SinkStore store) : Endpoint<SinkIdRequest, Results<Ok<SinkView>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Get("/sources/{source}/sinks/{id:guid}");
        Description(d => d.WithTags("Sinks").WithSummary("One webhook sink").Produces<SinkView>().ProducesProblem(404));
    }

    public override async Task<Results<Ok<SinkView>, ProblemHttpResult>> ExecuteAsync(SinkIdRequest req, CancellationToken ct) =>
        await store.GetAsync(User.OwnerId(), req.Source, req.Id, ct) is { } v ? TypedResults.Ok(v) : Problems.NotFound($"No sink {req.Id} on '{req.Source}'.");
}
