using Exports.Data;
using Exports.Series;
using Microsoft.EntityFrameworkCore;

namespace Exports.Layouts;

/// <summary>Loads the owner's stored objects as layouts: the one lookup behind the export routes, render tokens and
/// the CLI. Another owner's object is simply not found.</summary>
public static class LayoutSources
{
    public static Task<Dashboard?> FindDashboardAsync(ExportsDb db, Guid owner, string idOrSlug, CancellationToken ct) =>
        Guid.TryParse(idOrSlug, out var id)
            ? db.Dashboards.FirstOrDefaultAsync(d => d.OwnerId == owner && d.Id == id, ct)
            : db.Dashboards.FirstOrDefaultAsync(d => d.OwnerId == owner && d.Slug == idOrSlug, ct);

    /// <summary>A monitor with its linked dashboard, as a layout; null when the owner has no such monitor.</summary>
    /// <summary>The monitor is evaluated now (its stored state is only the last evaluation) and the result stored.</summary>
    public static async Task<ExportLayout?> MonitorAsync(ExportsDb db, SeriesExports exports, Guid owner, Guid id, DateTimeOffset now, CancellationToken ct)
    {
        var m = await db.Monitors.FirstOrDefaultAsync(x => x.OwnerId == owner && x.Id == id, ct);
        if (m is null) return null;
        var state = await MonitorEvaluation.RunAsync(exports, owner, m, now, ct);
        MonitorEvaluation.Store(m, state);
        await db.SaveChangesAsync(ct);
        var linked = m.DashboardId is { } d ? await db.Dashboards.FirstOrDefaultAsync(x => x.OwnerId == owner && x.Id == d, ct) : null;
        return Adapters.Monitor(m, state, linked);
    }

    public static async Task<ExportLayout?> AlertAsync(ExportsDb db, Guid owner, Guid id, DateTimeOffset now, CancellationToken ct) =>
        await db.Alerts.FirstOrDefaultAsync(x => x.OwnerId == owner && x.Id == id, ct) is { } a ? Adapters.Alert(a, now) : null;

    /// <summary>kind: dashboard, widget (with <paramref name="widget"/>), monitor or alert.</summary>
    public static async Task<ExportLayout?> LoadAsync(ExportsDb db, SeriesExports exports, Guid owner, string kind, string id, string? widget, DateTimeOffset now, CancellationToken ct)
    {
        switch (kind)
        {
            case "dashboard" or "widget":
                var d = await FindDashboardAsync(db, owner, id, ct);
                return d is null ? null : kind == "dashboard" ? Adapters.Dashboard(d) : Adapters.Widget(d, widget!);
            case "monitor":
                return Guid.TryParse(id, out var mid) ? await MonitorAsync(db, exports, owner, mid, now, ct) : null;
            default:
                return Guid.TryParse(id, out var aid) ? await AlertAsync(db, owner, aid, now, ct) : null;
        }
    }
}
