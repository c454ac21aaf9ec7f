using System.Security.Claims;
using Exports.Data;
using Exports.Host;
using Exports.Jobs;
using Microsoft.EntityFrameworkCore;

namespace Exports.Features.Templates;

/// <summary>PUT /api/v1/templates/{id}: a new version; the one it replaces stays readable under
/// /versions/{n}.</summary>
public static class UpdateTemplate
{
    public static void Map(RouteGroupBuilder g) =>
        g.MapPut("/templates/{id:guid}", async (Guid id, TemplateBody body, ExportsDb db, TemplateRuns runs, TimeProvider clock, ClaimsPrincipal user, HttpContext http, CancellationToken ct) =>
            {
                var owner = user.OwnerId();
                var t = await db.Templates.FirstOrDefaultAsync(x => x.Id == id && x.OwnerId == owner, ct);
                if (t is null) return Problems.NotFound($"No template {id}.");
                var (json, refused) = await TemplateView.CheckAsync(body, owner, runs, ct);
                if (refused is not null) return JobResults.Refused(refused, http);
                var name = body.Name!.Trim();
                if (await db.Templates.AnyAsync(x => x.OwnerId == owner && x.Id != id && x.Name.ToLower() == name.ToLower(), ct))
                    return Problems.Status(409, "A template with this name exists", $"You already have a template named '{name}'.");
                var now = clock.GetUtcNow();
                db.TemplateVersions.Add(new ExportTemplateVersion
                {
                    TemplateId = t.Id, Version = t.Version, Name = t.Name, Description = t.Description, Request = t.Request, CreatedAt = t.UpdatedAt,
                });
                (t.Name, t.Description, t.Request, t.Version, t.UpdatedAt) = (name, body.Description?.Trim() ?? "", json!, t.Version + 1, now);
                // A rename racing another to the same name, or two edits of one version, meet a unique index here.
                try { await db.SaveChangesAsync(ct); }
                catch (DbUpdateException e) when (TemplateView.IsUniqueViolation(e)) { return TemplateView.Conflict(e, name); }
                return TypedResults.Ok(TemplateView.From(t));
            })
            .WithTags("Templates").WithSummary("Edit a template (keeps the previous version)")
            .Produces<TemplateView>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(409);
}
