using System.Security.Claims;
using Exports.Host;
using Exports.Layouts;

namespace Exports.Features.ExportLayout;

/// <summary>POST /api/v1/exports/layout: an ExportLayout in, a PNG or vector PDF out, drawn natively.</summary>
public static class StartLayoutExport
{
    public static void Map(RouteGroupBuilder g) =>
        g.MapPost("/exports/layout", (Layouts.ExportLayout layout, LayoutExports exports, ExportGate gate, ClaimsPrincipal user, HttpContext http, CancellationToken ct) =>
                gate.RenderAsync(exports, user.OwnerId(), user.Identity?.Name ?? "Exports", layout, http, ct))
            .WithTags("Export layout").WithSummary("Draw a layout of widgets to PNG or PDF")
            .Produces(200, contentType: "image/png").Produces(200, contentType: "application/pdf").ProducesProblem(400).ProducesProblem(429);
}

public static class ExportLayoutEndpoints
{
    public static void Map(RouteGroupBuilder api) => StartLayoutExport.Map(api);
}
