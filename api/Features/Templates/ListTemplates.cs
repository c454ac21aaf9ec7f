using System.Security.Claims;
using Exports.Data;
using Exports.Host;
using Microsoft.EntityFrameworkCore;

namespace Exports.Features.Templates;

/// <summary>GET /api/v1/templates?q=: the caller's templates by name, searched in name and description.</summary>
public static class ListTemplates
{
    public static void Map(RouteGroupBuilder g) =>
        g.MapGet("/templates", async (string? q, ExportsDb db, ClaimsPrincipal user, CancellationToken ct) =>
            {
                var owner = user.OwnerId();
                var query = db.Templates.AsNoTracking().Where(t => t.OwnerId == owner);
                if (!string.IsNullOrWhiteSpace(q))
                {
                    var pattern = "%" + q.Trim().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
                    query = query.Where(t => EF.Functions.ILike(t.Name, pattern) || EF.Functions.ILike(t.Description, pattern));
                }
                var list = await query.OrderBy(t => t.Name).Take(500).ToListAsync(ct);
                return TypedResults.Ok(list.Select(t => TemplateView.From(t)).ToList());
            })
            .WithTags("Templates").WithSummary("List and search your templates").Produces<List<TemplateView>>();
}
