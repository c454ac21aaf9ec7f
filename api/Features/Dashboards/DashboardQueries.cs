using Exports.Data;

namespace Exports.Features.Dashboards;

/// <summary>Finds one of the caller's dashboards by id or slug; another owner's dashboard is simply not found.</summary>
public static class DashboardQueries
{
    public static Task<Dashboard?> FindAsync(ExportsDb db, Guid owner, string idOrSlug, CancellationToken ct) =>
        Layouts.LayoutSources.FindDashboardAsync(db, owner, idOrSlug, ct);

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
