using System.Security.Claims;
using Exports.Data;
using Exports.Host;
using FastEndpoints;
using Marten;

namespace Exports.Features.Alerts;

public sealed record AlertList(List<AlertView> Alerts);

/// <summary>GET /alerts: your fired alerts, newest first (at most 200).</summary>
public sealed class ListAlerts(IQuerySession docs) : EndpointWithoutRequest<AlertList>
{
    public override void Configure()
    {
        Get("/alerts");
        Description(d => d.WithTags("Alerts").WithSummary("List your fired alerts"));
    }

    public override async Task<AlertList> ExecuteAsync(CancellationToken ct)
    {
        var owner = User.OwnerId();
        var list = await docs.Query<Alert>().Where(a => a.OwnerId == owner).OrderByDescending(a => a.FiredAt).Take(200).ToListAsync(ct);
        return new AlertList(list.Select(AlertView.Of).ToList());
    }
}
