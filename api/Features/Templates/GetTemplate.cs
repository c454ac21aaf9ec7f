using System.Security.Claims;
using Exports.Data;
using Exports.Host;
using Microsoft.EntityFrameworkCore;

namespace Exports.Features.Templates;

/// <summary>GET /api/v1/templates/{id} (with its version list) and /templates/{id}/versions/{version} (a version
/// as it was saved).</summary>
public static class GetTemplate
{
    public static void Map(RouteGroupBuilder g)
    {
        g.MapGet("/templates/{id:guid}", async (Guid id, ExportsDb db, ClaimsPrincipal user, CancellationToken ct) =>
            {
                var owner = user.OwnerId();
                var t = await db.Templates.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id && x.OwnerId == owner, ct);
                if (t is null) return (IResult)Problems.NotFound($"No template {id}.");
                var versions = await db.TemplateVersions.AsNoTracking().Where(v => v.TemplateId == id).OrderByDescending(v => v.Version)
                    .Select(v => new TemplateVersionInfo(v.Version, v.CreatedAt)).ToListAsync(ct);
                versions.Insert(0, new TemplateVersionInfo(t.Version, t.UpdatedAt));
                return TypedResults.Ok(TemplateView.From(t, versions));
            })
            .WithTags("Templates").WithSummary("One template with its versions").Produces<TemplateView>().ProducesProblem(404);

        g.MapGet("/templates/{id:guid}/versions/{version:int}", async (Guid id, int version, ExportsDb db, ClaimsPrincipal user, CancellationToken ct) =>
            {
                var owner = user.OwnerId();
                var t = await db.Templates.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id && x.OwnerId == owner, ct);
                if (t is null) return (IResult)Problems.NotFound($"No template {id}.");
                if (version == t.Version) return TypedResults.Ok(TemplateView.From(t));
                var v = await db.TemplateVersions.AsNoTracking().FirstOrDefaultAsync(x => x.TemplateId == id && x.Version == version, ct);
                return v is null ? Problems.NotFound($"Template {id} has no version {version}.")
                    : TypedResults.Ok(TemplateView.From(new ExportTemplate
                    {
                        Id = id, OwnerId = owner, Name = v.Name, Description = v.Description, Request = v.Request, Version = v.Version,
                        CreatedAt = t.CreatedAt, UpdatedAt = v.CreatedAt,
                    }));
            })
            .WithTags("Templates").WithSummary("A template as one of its earlier versions").Produces<TemplateView>().ProducesProblem(404);
    }
}
