using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.Sinks;

/// <summary>GET /sources/{source}/sinks: the source's sinks, oldest first; secrets are never returned.</summary>
public sealed class ListSinks(SinkStore store) : Endpoint<SourceSinksRequest, Results<Ok<List<SinkView>>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Get("/sources/{source}/sinks");
        Description(d => d.WithTags("Sinks").WithSummary("The source's webhook sinks (secrets never shown)").Produces<List<SinkView>>().ProducesProblem(404));
    }

    public override async Task<Results<Ok<List<SinkView>>, ProblemHttpResult>> ExecuteAsync(SourceSinksRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        if (await store.SourceAsync(owner, req.Source, ct) is null) return Problems.NotFound($"No source '{req.Source}'.");
        return TypedResults.Ok(await store.ListAsync(owner, req.Source, ct));
    }
}
