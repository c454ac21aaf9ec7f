using Exports.Data;
using Exports.Host;
using FastEndpoints;
using Marten;

namespace Exports.Features.Dashboards;

public sealed record DashboardList(List<DashboardSummary> Dashboards);

/// <summary>GET /dashboards: your dashboards by title.</summary>
public sealed class ListDashboards(IQuerySession docs) : EndpointWithoutRequest<DashboardList>
{
    public override void Configure()
    {
        Get("/dashboards");
        Description(d => d.WithTags("Dashboards").WithSummary("List your dashboards"));
    }

    public override async Task<DashboardList> ExecuteAsync(CancellationToken ct)
    {
        var owner = User.OwnerId();
        var list = await docs.Query<Dashboard>().Where(d => d.OwnerId == owner).OrderBy(d => d.Title).ToListAsync(ct);
        return new DashboardList(list.Select(DashboardSummary.Of).ToList());
    }
}
