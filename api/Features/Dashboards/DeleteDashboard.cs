using Exports.Data;
using Exports.Host;
using FastEndpoints;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.Dashboards;

/// <summary>DELETE /dashboards/{id}: removes one of your dashboards.</summary>
public sealed class DeleteDashboard(ExportsDb db) : Endpoint<DashboardIdRequest, Results<NoContent, ProblemHttpResult>>
{
    public override void Configure()
    {
        Delete("/dashboards/{id}");
        Description(d => d.WithTags("Dashboards").WithSummary("Delete a dashboard").ProducesProblem(404));
    }

    public override async Task<Results<NoContent, ProblemHttpResult>> ExecuteAsync(DashboardIdRequest req, CancellationToken ct)
    {
        if (await DashboardQueries.FindAsync(db, User.OwnerId(), req.Id, ct) is not { } d) return Problems.NotFound($"No dashboard '{req.Id}'.");
        db.Dashboards.Remove(d);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }
}
