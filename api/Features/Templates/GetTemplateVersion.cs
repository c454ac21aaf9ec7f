using Exports.Data;
using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.Templates;

public sealed class TemplateVersionRequest
{
    public Guid Id { get; set; }
    public int Version { get; set; }
}

public sealed class GetTemplateVersionValidator : Validator<TemplateVersionRequest>
{
    public GetTemplateVersionValidator() => RuleFor(r => r.Version).GreaterThan(0).WithMessage("Versions count from 1.").OverridePropertyName("version");
}

/// <summary>GET /templates/{id}/versions/{version}: a template as one of its versions was saved: its stream
/// aggregated up to that version.</summary>
public sealed class GetTemplateVersion(IQuerySession docs) : Endpoint<TemplateVersionRequest, Results<Ok<TemplateView>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Get("/templates/{id:guid}/versions/{version:int}");
        Description(d => d.WithTags("Templates").WithSummary("A template as one of its earlier versions").ProducesProblem(404));
    }

    public override async Task<Results<Ok<TemplateView>, ProblemHttpResult>> ExecuteAsync(TemplateVersionRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        var t = await docs.LoadAsync<Template>(req.Id, ct);
        if (t is null || t.OwnerId != owner) return Problems.NotFound($"No template {req.Id}.");
        if (req.Version == t.Version) return TypedResults.Ok(TemplateView.From(t));
        var v = req.Version > t.Version ? null : await docs.Events.AggregateStreamAsync<Template>(req.Id, version: req.Version, token: ct);
        return v is null || v.Version != req.Version ? Problems.NotFound($"Template {req.Id} has no version {req.Version}.") : TypedResults.Ok(TemplateView.From(v));
    }
}
