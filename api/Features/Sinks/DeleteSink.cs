using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.Sinks;

/// <summary>DELETE /sources/{source}/sinks/{id}: removes the sink with its secret and its batches; nothing more is sent.</summary>
public sealed class DeleteSink(SinkStore store) : Endpoint<SinkIdRequest, Results<NoContent, ProblemHttpResult>>
{
    public override void Configure()
    {
        Delete("/sources/{source}/sinks/{id:guid}");
        Description(d => d.WithTags("Sinks").WithSummary("Delete a webhook sink").Produces(204).ProducesProblem(404));
    }

    public override async Task<Results<NoContent, ProblemHttpResult>> ExecuteAsync(SinkIdRequest req, CancellationToken ct) =>
        await store.DeleteAsync(User.OwnerId(), req.Source, req.Id, ct) ? TypedResults.NoContent() : Problems.NotFound($"No sink {req.Id} on '{req.Source}'.");
}
