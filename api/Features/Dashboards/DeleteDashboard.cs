using Exports.Data;
using Exports.Host;
using FastEndpoints;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.Dashboards;

/// <summary>DELETE /dashboards/{id}: removes one of your dashboards; monitors linked to it keep no link (as the foreign
/// key's ON DELETE SET NULL did when both were tables), in the same transaction.</summary>
public sealed class DeleteDashboard(IDocumentSession docs) : Endpoint<DashboardIdRequest, Results<NoContent, ProblemHttpResult>>
{
    public override void Configure()
    {
        Delete("/dashboards/{id}");
        Description(d => d.WithTags("Dashboards").WithSummary("Delete a dashboard").ProducesProblem(404));
    }

    public override async Task<Results<NoContent, ProblemHttpResult>> ExecuteAsync(DashboardIdRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        if (await DashboardQueries.FindAsync(docs, owner, req.Id, ct) is not { } d) return Problems.NotFound($"No dashboard '{req.Id}'.");
        var linked = await docs.Query<ThresholdMonitor>().Where(m => m.OwnerId == owner && m.DashboardId == d.Id).ToListAsync(ct);
        foreach (var m in linked) m.DashboardId = null;
        if (linked.Count > 0) docs.Store<ThresholdMonitor>(linked);
        docs.Delete(d);
        await docs.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }
}
