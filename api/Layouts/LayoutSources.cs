using Exports.Data;
using Exports.Series;
using Marten;

namespace Exports.Layouts;

/// <summary>Loads the owner's stored objects as layouts: the one lookup behind the export routes, render tokens and
/// the CLI. Another owner's object is simply not found.</summary>
public static class LayoutSources
{
    /// <summary>The owner's dashboard by id or by slug (a slug is never a GUID: it is lower-case letters, digits and '-',
    /// but a GUID-shaped slug would still be read as an id, as before).</summary>
    public static async Task<Dashboard?> FindDashboardAsync(IQuerySession docs, Guid owner, string idOrSlug, CancellationToken ct) =>
        Guid.TryParse(idOrSlug, out var id)
            ? await docs.LoadAsync<Dashboard>(id, ct) is { } d && d.OwnerId == owner ? d : null
            : await docs.Query<Dashboard>().FirstOrDefaultAsync(d => d.OwnerId == owner && d.Slug == idOrSlug, ct);

    /// <summary>A monitor with its linked dashboard, as a layout; null when the owner has no such monitor.
    /// The monitor is evaluated now (its stored state is only the last evaluation) and the result stored.</summary>
    public static async Task<ExportLayout?> MonitorAsync(IDocumentSession docs, SeriesExports exports, Guid owner, Guid id, DateTimeOffset now, CancellationToken ct)
    {
        if (await docs.LoadAsync<ThresholdMonitor>(id, ct) is not { } m || m.OwnerId != owner) return null;
        var state = await MonitorEvaluation.RunAsync(exports, owner, m, now, ct);
        MonitorEvaluation.Store(m, state);
        docs.Store(m);
        await docs.SaveChangesAsync(ct);
        var linked = m.DashboardId is { } d && await docs.LoadAsync<Dashboard>(d, ct) is { } found && found.OwnerId == owner ? found : null;
        return Adapters.Monitor(m, state, linked);
    }

    public static async Task<ExportLayout?> AlertAsync(IQuerySession docs, Guid owner, Guid id, DateTimeOffset now, CancellationToken ct) =>
        await docs.LoadAsync<Alert>(id, ct) is { } a && a.OwnerId == owner ? Adapters.Alert(a, now) : null;

    /// <summary>kind: dashboard, widget (with <paramref name="widget"/>), monitor or alert.</summary>
    public static async Task<ExportLayout?> LoadAsync(IDocumentSession docs, SeriesExports exports, Guid owner, string kind, string id, string? widget, DateTimeOffset now, CancellationToken ct)
    {
        switch (kind)
        {
            case "dashboard" or "widget":
                var d = await FindDashboardAsync(docs, owner, id, ct);
                return d is null ? null : kind == "dashboard" ? Adapters.Dashboard(d) : Adapters.Widget(d, widget!);
            case "monitor":
                return Guid.TryParse(id, out var mid) ? await MonitorAsync(docs, exports, owner, mid, now, ct) : null;
            default:
                return Guid.TryParse(id, out var aid) ? await AlertAsync(docs, owner, aid, now, ct) : null;
        }
    }
}
