using Exports.Data;
using Microsoft.EntityFrameworkCore;

namespace Exports.Layouts;

/// <summary>Dashboards are still EF Core rows (monitors and alerts are Marten documents, in LayoutSources.cs): the two
/// never share a file, so their query extensions cannot clash.</summary>
public static partial class LayoutSources
{
    public static Task<Dashboard?> FindDashboardAsync(ExportsDb db, Guid owner, string idOrSlug, CancellationToken ct) =>
        Guid.TryParse(idOrSlug, out var id)
            ? db.Dashboards.FirstOrDefaultAsync(d => d.OwnerId == owner && d.Id == id, ct)
            : db.Dashboards.FirstOrDefaultAsync(d => d.OwnerId == owner && d.Slug == idOrSlug, ct);

    /// <summary>The owner's dashboard by id; another owner's is none.</summary>
    public static Task<Dashboard?> FindDashboardAsync(ExportsDb db, Guid owner, Guid id, CancellationToken ct) =>
        db.Dashboards.FirstOrDefaultAsync(d => d.OwnerId == owner && d.Id == id, ct);

    public static Task<bool> HasDashboardAsync(ExportsDb db, Guid owner, Guid id, CancellationToken ct) =>
        db.Dashboards.AnyAsync(d => d.OwnerId == owner && d.Id == id, ct);
}
