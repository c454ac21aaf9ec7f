using Exports.Data;
using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.Templates;

/// <summary>GET /templates/{id}: one template with its version list, newest first (each version's event in the
/// template's stream, with when it was saved).</summary>
public sealed class GetTemplate(IQuerySession docs) : Endpoint<TemplateIdRequest, Results<Ok<TemplateView>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Get("/templates/{id:guid}");
        Description(d => d.WithTags("Templates").WithSummary("One template with its versions").ProducesProblem(404));
    }

    public override async Task<Results<Ok<TemplateView>, ProblemHttpResult>> ExecuteAsync(TemplateIdRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        var t = await docs.LoadAsync<Template>(req.Id, ct);
        if (t is null || t.OwnerId != owner) return Problems.NotFound($"No template {req.Id}.");
        var events = await docs.Events.FetchStreamAsync(req.Id, t.Version, token: ct);
        var versions = events.Select(e => e.Data switch
            {
                TemplateCreated c => new TemplateVersionInfo((int)e.Version, c.At),
                TemplateUpdated u => new TemplateVersionInfo((int)e.Version, u.At),
                _ => null,
            }).OfType<TemplateVersionInfo>().OrderByDescending(v => v.Version).ToList();
        return TypedResults.Ok(TemplateView.From(t, versions));
    }
}
