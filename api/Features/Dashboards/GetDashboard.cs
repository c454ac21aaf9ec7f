using Exports.Data;
using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.Dashboards;

/// <summary>GET /dashboards/{id}: one of your dashboards (by id or slug) with its layout.</summary>
public sealed class GetDashboard(IQuerySession docs) : Endpoint<DashboardIdRequest, Results<Ok<DashboardView>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Get("/dashboards/{id}");
        Description(d => d.WithTags("Dashboards").WithSummary("A dashboard with its layout").ProducesProblem(404));
    }

    public override async Task<Results<Ok<DashboardView>, ProblemHttpResult>> ExecuteAsync(DashboardIdRequest req, CancellationToken ct) =>
        await DashboardQueries.FindAsync(docs, User.OwnerId(), req.Id, ct) is { } d
            ? TypedResults.Ok(DashboardView.Of(d))
            : Problems.NotFound($"No dashboard '{req.Id}'.");
}
