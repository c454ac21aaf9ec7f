using Exports.Data;
using Exports.Host;
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
        var views = new List<MonitorView>(list.Count);
        foreach (var m in list) views.Add(MonitorView.Of(m, await Evaluate.NowAsync(exports, m, clock.GetUtcNow(), ct)));
        if (list.Count > 0) docs.Store<ThresholdMonitor>(list);
        await docs.SaveChangesAsync(ct);
        return new MonitorList(views);
    }
}
