using Exports.Host;
using Exports.Series;
using Exports.Shared;
using FastEndpoints;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Exports.Features.Sinks;

public sealed class UpdateSinkRequest : SinkBody
{
    public Guid Id { get; set; }
}

/// <summary>Nothing to refuse up front: the rules depend on the source, checked once the sink is found (404 first).</summary>
public sealed class UpdateSinkValidator : Validator<UpdateSinkRequest>;

/// <summary>PUT /sources/{source}/sinks/{id}: replaces url, metrics, filter and batching (a secret left out keeps the
/// stored one); the cursor and the batch sequence stay, and batches already formed are resent as they were.</summary>
public sealed class UpdateSink(SinkStore store, NpgsqlDataSource db, ExportsSettings settings, TimeProvider clock)
    : Endpoint<UpdateSinkRequest, Results<Ok<SinkView>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Put("/sources/{source}/sinks/{id:guid}");
        Description(d => d.WithTags("Sinks").WithSummary("Change a webhook sink (a secret left out keeps its value)")
            .Produces<SinkView>().ProducesProblem(400).ProducesProblem(404));
    }

    public override async Task<Results<Ok<SinkView>, ProblemHttpResult>> ExecuteAsync(UpdateSinkRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        if (await store.GetAsync(owner, req.Source, req.Id, ct) is null || await SourceCatalog.LoadAsync(db, owner, req.Source, ct) is not { } src)
            return Problems.NotFound($"No sink {req.Id} on '{req.Source}'.");
        var e = new Errors();
        if (await SinkRules.CheckAsync(req, src, isNew: false, settings, e, ct) is not { } spec) return SinkRules.Invalid(e);
        return await store.UpdateAsync(owner, req.Source, req.Id, spec, clock.GetUtcNow(), ct) is { } v
            ? TypedResults.Ok(v) : Problems.NotFound($"No sink {req.Id} on '{req.Source}'.");
    }
}
