using Exports.Data;
using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Exports.Features.Templates;

/// <summary>GET /templates/{id}: one template with its version list, newest first.</summary>
public sealed class GetTemplate(ExportsDb db) : Endpoint<TemplateIdRequest, Results<Ok<TemplateView>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Get("/templates/{id:guid}");
        Description(d => d.WithTags("Templates").WithSummary("One template with its versions").ProducesProblem(404));
    }

    public override async Task<Results<Ok<TemplateView>, ProblemHttpResult>> ExecuteAsync(TemplateIdRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        var t = await db.Templates.AsNoTracking().FirstOrDefaultAsync(x => x.Id == req.Id && x.OwnerId == owner, ct);
        if (t is null) return Problems.NotFound($"No template {req.Id}.");
        var versions = await db.TemplateVersions.AsNoTracking().Where(v => v.TemplateId == req.Id).OrderByDescending(v => v.Version)
            .Select(v => new TemplateVersionInfo(v.Version, v.CreatedAt)).ToListAsync(ct);
        versions.Insert(0, new TemplateVersionInfo(t.Version, t.UpdatedAt));
        return TypedResults.Ok(TemplateView.From(t, versions));
    }
}
