using Exports.Data;
using Exports.Series;
using Marten;
using Marten.Patching;

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
        var state = await EvaluateAsync(docs, exports, m, now, ct);
        await docs.SaveChangesAsync(ct);
        var linked = m.DashboardId is { } d && await docs.LoadAsync<Dashboard>(d, ct) is { } found && found.OwnerId == owner ? found : null;
        return Adapters.Monitor(m, state, linked);
    }

    /// <summary>Evaluates the monitor now and records the result on <paramref name="m"/>; when its state, value or
    /// since changed, <paramref name="docs"/> gets a patch of those three fields only (saved by the caller): a whole
    /// document saved back would undo what another request changed meanwhile (a deleted dashboard's unlink), and a
    /// monitor deleted meanwhile stays deleted.</summary>
    public static async Task<MonitorState> EvaluateAsync(IDocumentSession docs, SeriesExports exports, ThresholdMonitor m, DateTimeOffset now, CancellationToken ct)
    {
        var before = (m.State, m.Value, Since: m.Since.ToMicroseconds());
        var state = await MonitorEvaluation.RunAsync(exports, m.OwnerId, m, now, ct);
        MonitorEvaluation.Store(m, state);
        if ((m.State, m.Value, m.Since.ToMicroseconds()) != before)
            docs.Patch<ThresholdMonitor>(m.Id).Set(x => x.State, m.State).Set(x => x.Value, m.Value).Set(x => x.Since, m.Since);
        return state;
    }

    /// <summary>Which of <paramref name="ids"/> are the owner's existing dashboards, in one query: a monitor's link to
    /// a dashboard deleted meanwhile (or while the monitor was being created) is no link.</summary>
    public static async Task<HashSet<Guid>> ExistingDashboardsAsync(IQuerySession docs, Guid owner, IEnumerable<Guid?> ids, CancellationToken ct)
    {
        var wanted = ids.OfType<Guid>().Distinct().ToArray();
        if (wanted.Length == 0) return [];
        var found = await docs.Query<Dashboard>().Where(d => d.OwnerId == owner && wanted.Contains(d.Id)).Select(d => d.Id).ToListAsync(ct);
        return found.ToHashSet();
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
