using Exports.Data;
using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using Marten;
using Marten.Patching;
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
        // A patch of the link alone, by (owner, dashboard): a monitor saved meanwhile keeps everything else, and one
        // linked meanwhile is unlinked too when it is committed first (readers show a link to a missing dashboard as none).
        var id = d.Id;
        docs.Patch<ThresholdMonitor>(m => m.OwnerId == owner && m.DashboardId == id).Set(m => m.DashboardId, (Guid?)null);
        docs.Delete(d);
        await docs.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }
}
