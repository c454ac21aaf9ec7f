using Exports.Data;
using Microsoft.EntityFrameworkCore;

namespace Exports.Features.Dashboards;

/// <summary>Finds one of the caller's dashboards by id or slug; another owner's dashboard is simply not found.</summary>
public static class DashboardQueries
{
    public static Task<Dashboard?> FindAsync(ExportsDb db, Guid owner, string idOrSlug, CancellationToken ct) =>
        Guid.TryParse(idOrSlug, out var id)
            ? db.Dashboards.FirstOrDefaultAsync(d => d.OwnerId == owner && d.Id == id, ct)
            : db.Dashboards.FirstOrDefaultAsync(d => d.OwnerId == owner && d.Slug == idOrSlug, ct);

    public static object Summary(Dashboard d) => new
    {
        id = d.Id, slug = d.Slug, title = d.Title, description = d.Description, shared = d.ShareHash is not null,
        createdAt = d.CreatedAt, updatedAt = d.UpdatedAt,
    };

    public static object Full(Dashboard d) => new
    {
        id = d.Id, slug = d.Slug, title = d.Title, description = d.Description, shared = d.ShareHash is not null,
        createdAt = d.CreatedAt, updatedAt = d.UpdatedAt, layout = System.Text.Json.JsonDocument.Parse(d.Layout).RootElement,
    };
}
