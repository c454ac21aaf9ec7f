using System.Security.Claims;
using Exports.Host;
using Exports.Series;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.ExportSeries;

/// <summary>POST /api/v1/exports/series/preview: the first rows, the estimated row count and size per format,
/// and the tier the export would read.</summary>
public static class PreviewSeriesExport
{
    public static void Map(RouteGroupBuilder g) =>
        g.MapPost("/exports/series/preview", async Task<Results<Ok<PreviewResult>, ProblemHttpResult>> (
                ExportRequest req, SeriesExports exports, ExportsSettings settings, ClaimsPrincipal user, CancellationToken ct) =>
            {
                var (outcome, prepared, errors) = await exports.PrepareAsync(user.OwnerId(), req, ct);
                return outcome switch
                {
                    PrepareOutcome.SourceNotFound => Problems.NotFound($"No source named '{req.Source}'."),
                    PrepareOutcome.Invalid => Problems.Validation(errors.ToDictionary()),
                    _ => TypedResults.Ok(await exports.PreviewAsync(prepared!, settings.PreviewRows, ct)),
                };
            })
            .WithTags("Export series").WithSummary("Preview an export: first rows, estimates, tier")
            .ProducesProblem(400).ProducesProblem(404);
}
