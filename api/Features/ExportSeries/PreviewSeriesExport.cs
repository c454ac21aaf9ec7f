using System.Security.Claims;
using Exports.Host;
using Exports.Series;

namespace Exports.Features.ExportSeries;

/// <summary>POST /api/v1/exports/series/preview: the first rows, the estimated row count and size per format,
/// and the tier the export would read.</summary>
public static class PreviewSeriesExport
{
    public static void Map(RouteGroupBuilder g) =>
        g.MapPost("/exports/series/preview", async Task<IResult> (
                ExportRequest req, SeriesExports exports, ExportGate gate, ClaimsPrincipal user, HttpContext http, CancellationToken ct) =>
            {
                var owner = user.OwnerId();
                using var lease = gate.TryOwner(owner, SyncKind.Preview);
                if (lease is null) return gate.OwnerRefused(SyncKind.Preview, http);
                using var planning = await gate.PlanAsync(ct);
                if (planning is null) return gate.PlanningRefused(http);
                var (outcome, prepared, errors) = await exports.PrepareAsync(owner, req, ct);
                return outcome switch
                {
                    PrepareOutcome.SourceNotFound => Problems.NotFound($"No source named '{req.Source}'."),
                    PrepareOutcome.Invalid => Problems.Validation(errors.ToDictionary()),
                    _ => TypedResults.Ok(await exports.PreviewAsync(prepared!, gate.Settings.PreviewRows, ct)),
                };
            })
            .WithTags("Export series").WithSummary("Preview an export: first rows, estimates, tier")
            .Produces<PreviewResult>(200).ProducesProblem(400).ProducesProblem(404).ProducesProblem(429).ProducesProblem(503);
}
