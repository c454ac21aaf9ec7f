using System.Security.Claims;
using Exports.Host;
using Exports.Layouts;

namespace Exports.Features.ExportLayout;

/// <summary>POST /api/v1/exports/layout: an ExportLayout in, a PNG or vector PDF out, drawn natively.</summary>
public static class StartLayoutExport
{
    public static void Map(RouteGroupBuilder g) =>
        g.MapPost("/exports/layout", async (Layouts.ExportLayout layout, LayoutExports exports, ClaimsPrincipal user, HttpContext http, CancellationToken ct) =>
            {
                var (result, errors) = await exports.RenderAsync(user.OwnerId(), user.Identity?.Name ?? "Exports", layout, ct);
                return result is null ? Problems.Validation(errors.ToDictionary()) : LayoutExports.ToResult(result, http);
            })
            .WithTags("Export layout").WithSummary("Draw a layout of widgets to PNG or PDF")
            .Produces(200, contentType: "image/png").Produces(200, contentType: "application/pdf").ProducesProblem(400);
}

public static class ExportLayoutEndpoints
{
    public static void Map(RouteGroupBuilder api) => StartLayoutExport.Map(api);
}
