using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.Sinks;

/// <summary>POST /sources/{source}/sinks/{id}/resume: a paused sink is active again; the batch that failed is sent
/// again first (same sequence, same body, same Idempotency-Key), then what the source committed since.</summary>
public sealed class ResumeSink(SinkStore store, SinkPump pump, TimeProvider clock) : Endpoint<SinkIdRequest, Results<Ok<SinkView>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Post("/sources/{source}/sinks/{id:guid}/resume");
        Description(d => d.WithTags("Sinks").WithSummary("Resume a paused webhook sink").Produces<SinkView>().ProducesProblem(404));
    }

    public override async Task<Results<Ok<SinkView>, ProblemHttpResult>> ExecuteAsync(SinkIdRequest req, CancellationToken ct)
    {
        if (await store.ResumeAsync(User.OwnerId(), req.Source, req.Id, clock.GetUtcNow(), ct) is not { } v) return Problems.NotFound($"No sink {req.Id} on '{req.Source}'.");
        pump.Wake();
        return TypedResults.Ok(v);
    }
}
