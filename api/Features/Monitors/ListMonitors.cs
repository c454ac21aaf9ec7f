using Exports.Data;
using Exports.Host;
using Exports.Layouts;
using Exports.Series;
using FastEndpoints;
using Marten;

namespace Exports.Features.Monitors;

public sealed record MonitorList(List<MonitorView> Monitors);

/// <summary>GET /monitors: your monitors by name, each evaluated now.</summary>
public sealed class ListMonitors(IDocumentSession docs, SeriesExports exports, TimeProvider clock) : EndpointWithoutRequest<MonitorList>
{
    public override void Configure()
    {
        Get("/monitors");
        Description(d => d.WithTags("Monitors").WithSummary("List your monitors, each evaluated now"));
    }

    public override async Task<MonitorList> ExecuteAsync(CancellationToken ct)
    {
        var owner = User.OwnerId();
        var list = await docs.Query<ThresholdMonitor>().Where(m => m.OwnerId == owner).OrderBy(m => m.Name).ToListAsync(ct);
        var states = new List<MonitorState>(list.Count);
        foreach (var m in list) states.Add(await LayoutSources.EvaluateAsync(docs, exports, m, clock.GetUtcNow(), ct));
        await docs.SaveChangesAsync(ct);
        var dashboards = await LayoutSources.ExistingDashboardsAsync(docs, owner, list.Select(m => m.DashboardId), ct);
        return new MonitorList(list.Select((m, i) => MonitorView.Of(m, states[i], dashboards)).ToList());
    }
}
