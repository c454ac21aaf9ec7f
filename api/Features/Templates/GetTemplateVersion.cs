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

/// <summary>GET /templates/{id}/versions/{version}: a template as one of its versions was saved: the stream's event n
/// (each version's event holds the whole body), read alone.</summary>
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
        // Version n is the stream's n-th event, with the whole body: only that event is read.
        var e = req.Version > t.Version ? null : (await docs.Events.FetchStreamAsync(req.Id, version: req.Version, fromVersion: req.Version, token: ct)).SingleOrDefault(x => x.Version == req.Version);
        // What the projection would make of the stream up to n: that version's body; created when the template was.
        var v = e?.Data switch
        {
            TemplateCreated c => new Template { Id = t.Id, OwnerId = t.OwnerId, Name = c.Name, Description = c.Description, Request = c.Request, Version = 1, CreatedAt = t.CreatedAt, UpdatedAt = c.At },
            TemplateUpdated u => new Template { Id = t.Id, OwnerId = t.OwnerId, Name = u.Name, Description = u.Description, Request = u.Request, Version = req.Version, CreatedAt = t.CreatedAt, UpdatedAt = u.At },
            _ => null,
        };
        return v is null ? Problems.NotFound($"Template {req.Id} has no version {req.Version}.") : TypedResults.Ok(TemplateView.From(v));
    }
}
