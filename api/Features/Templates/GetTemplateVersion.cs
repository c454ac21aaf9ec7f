using Exports.Data;
using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

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

/// <summary>GET /templates/{id}/versions/{version}: a template as one of its versions was saved.</summary>
public sealed class GetTemplateVersion(ExportsDb db) : Endpoint<TemplateVersionRequest, Results<Ok<TemplateView>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Get("/templates/{id:guid}/versions/{version:int}");
        Description(d => d.WithTags("Templates").WithSummary("A template as one of its earlier versions").ProducesProblem(404));
    }

    public override async Task<Results<Ok<TemplateView>, ProblemHttpResult>> ExecuteAsync(TemplateVersionRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        var t = await db.Templates.AsNoTracking().FirstOrDefaultAsync(x => x.Id == req.Id && x.OwnerId == owner, ct);
        if (t is null) return Problems.NotFound($"No template {req.Id}.");
        if (req.Version == t.Version) return TypedResults.Ok(TemplateView.From(t));
        var v = await db.TemplateVersions.AsNoTracking().FirstOrDefaultAsync(x => x.TemplateId == req.Id && x.Version == req.Version, ct);
        return v is null ? Problems.NotFound($"Template {req.Id} has no version {req.Version}.")
            : TypedResults.Ok(TemplateView.From(new ExportTemplate
            {
                Id = req.Id, OwnerId = owner, Name = v.Name, Description = v.Description, Request = v.Request, Version = v.Version,
                CreatedAt = t.CreatedAt, UpdatedAt = v.CreatedAt,
            }));
    }
}
