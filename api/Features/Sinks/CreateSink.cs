using Exports.Host;
using Exports.Series;
using Exports.Shared;
using FastEndpoints;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Exports.Features.Sinks;

public sealed class CreateSinkRequest : SinkBody;

/// <summary>Nothing to refuse up front: the body's rules depend on the source (its kind, its fields), so the endpoint
/// checks them once it has found it (404 first).</summary>
public sealed class CreateSinkValidator : Validator<CreateSinkRequest>;

/// <summary>POST /sources/{source}/sinks: a webhook sink that receives the source's new rows from now on, batched and
/// signed; at most EXPORTS_SINKS_PER_OWNER per owner (409 past it).</summary>
public sealed class CreateSink(SinkStore store, NpgsqlDataSource db, ExportsSettings settings, TimeProvider clock)
    : Endpoint<CreateSinkRequest, Results<Created<SinkView>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Post("/sources/{source}/sinks");
        Description(d => d.WithTags("Sinks").WithSummary("Add a webhook sink: new rows of the source POSTed as signed JSON batches")
            .Produces<SinkView>(201).ProducesProblem(400).ProducesProblem(404).ProducesProblem(409));
    }

    public override async Task<Results<Created<SinkView>, ProblemHttpResult>> ExecuteAsync(CreateSinkRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        if (await SourceCatalog.LoadAsync(db, owner, req.Source, ct) is not { } src) return Problems.NotFound($"No source '{req.Source}'.");
        var e = new Errors();
        if (await SinkRules.CheckAsync(req, src, isNew: true, settings, e, ct) is not { } spec) return SinkRules.Invalid(e);
        var (view, atLimit) = await store.CreateAsync(owner, req.Source, spec, settings.SinksPerOwner, clock.GetUtcNow(), ct);
        if (atLimit)
            return Problems.Status(409, "Too many sinks", $"You have {settings.SinksPerOwner} sinks, the most an owner may have (EXPORTS_SINKS_PER_OWNER); delete one to add another.");
        // The source deleted in between: gone, not a server error.
        if (view is null) return Problems.NotFound($"No source '{req.Source}'.");
        return TypedResults.Created($"/api/v1/sources/{Uri.EscapeDataString(req.Source)}/sinks/{view.Id}", view);
    }
}
