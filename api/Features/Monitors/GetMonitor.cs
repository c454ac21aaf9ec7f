using Exports.Data;
using Exports.Host;
using Exports.Layouts;
using Exports.Series;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Marten;

namespace Exports.Features.Monitors;

/// <summary>Nothing to refuse: any id is well-formed, and one that names nothing here (the empty GUID included) is the
/// lookup's 404, as on every route of the API.</summary>
public sealed class GetMonitorValidator : Validator<MonitorIdRequest>;

/// <summary>GET /monitors/{id}: one of your monitors, evaluated now; another owner's is "not found".</summary>
public sealed class GetMonitor(IDocumentSession docs, SeriesExports exports, TimeProvider clock) : Endpoint<MonitorIdRequest, Results<Ok<MonitorView>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Get("/monitors/{id:guid}");
        Description(d => d.WithTags("Monitors").WithSummary("A monitor, evaluated now").ProducesProblem(404));
    }

    public override async Task<Results<Ok<MonitorView>, ProblemHttpResult>> ExecuteAsync(MonitorIdRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        if (await docs.LoadAsync<ThresholdMonitor>(req.Id, ct) is not { } m || m.OwnerId != owner)
            return Problems.NotFound($"No monitor '{req.Id}'.");
        var state = await LayoutSources.EvaluateAsync(docs, exports, m, clock.GetUtcNow(), ct);
        await docs.SaveChangesAsync(ct);
        return TypedResults.Ok(MonitorView.Of(m, state, await LayoutSources.ExistingDashboardsAsync(docs, owner, [m.DashboardId], ct)));
    }
}
