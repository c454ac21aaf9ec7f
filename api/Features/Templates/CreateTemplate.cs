using System.Security.Claims;
using Exports.Data;
using Exports.Host;
using Exports.Jobs;
using Microsoft.EntityFrameworkCore;

namespace Exports.Features.Templates;

/// <summary>POST /api/v1/templates: a saved export request, name unique per owner (409 otherwise).</summary>
public static class CreateTemplate
{
    public static void Map(RouteGroupBuilder g) =>
        g.MapPost("/templates", async (TemplateBody body, ExportsDb db, TemplateRuns runs, TimeProvider clock, ClaimsPrincipal user, HttpContext http, CancellationToken ct) =>
            {
                var owner = user.OwnerId();
                var (json, refused) = await TemplateView.CheckAsync(body, owner, runs, ct);
                if (refused is not null) return JobResults.Refused(refused, http);
                var name = body.Name!.Trim();
                if (await db.Templates.AnyAsync(t => t.OwnerId == owner && t.Name.ToLower() == name.ToLower(), ct))
                    return Problems.Status(409, "A template with this name exists", $"You already have a template named '{name}'.");
                var now = clock.GetUtcNow();
                var t = new ExportTemplate
                {
                    Id = Guid.CreateVersion7(now), OwnerId = owner, Name = name, Description = body.Description?.Trim() ?? "",
                    Request = json!, Version = 1, CreatedAt = now, UpdatedAt = now,
                };
                db.Templates.Add(t);
                // The unique index (owner, lower(name)) decides between two creates racing past the check above.
                try { await db.SaveChangesAsync(ct); }
                catch (DbUpdateException e) when (TemplateView.IsUniqueViolation(e)) { return TemplateView.Conflict(e, name); }
                return TypedResults.Created($"/api/v1/templates/{t.Id}", TemplateView.From(t));
            })
            .WithTags("Templates").WithSummary("Save an export request as a template")
            .Produces<TemplateView>(201).ProducesProblem(400).ProducesProblem(409);
}
