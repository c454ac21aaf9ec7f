using System.Security.Claims;
using Exports.Host;
using Exports.Series;

namespace Exports.Features.ExportSeries;

/// <summary>POST /api/v1/exports/series/preview[?chartWidth=600]: the first rows, the estimated row count and size per
/// format, the tier and granularity the export would read, the file name it is saved under, and (with chartWidth) every
/// series over the whole range as min/max per pixel column.</summary>
public static class PreviewSeriesExport
{
    public static void Map(RouteGroupBuilder g) =>
        g.MapPost("/exports/series/preview", async Task<IResult> (
                ExportRequest req, string? chartWidth, SeriesExports exports, ExportGate gate, ClaimsPrincipal user, HttpContext http, CancellationToken ct) =>
            {
                int? width = null;
                if (chartWidth is not null)
                {
                    if (!int.TryParse(chartWidth, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var w)
                        || w < SeriesExports.ChartMinWidth || w > SeriesExports.ChartMaxWidth)
                        return Problems.Field("chartWidth", $"chartWidth must be a whole number of pixels from {SeriesExports.ChartMinWidth} to {SeriesExports.ChartMaxWidth}.");
                    width = w;
                }
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
                    _ => TypedResults.Ok(await exports.PreviewAsync(prepared!, gate.Settings.PreviewRows, ct, width)),
                };
            })
            .WithTags("Export series").WithSummary("Preview an export: first rows, estimates, tier, granularity, file name, downsampled chart")
            .Produces<PreviewResult>(200).ProducesProblem(400).ProducesProblem(404).ProducesProblem(429).ProducesProblem(503);
}
