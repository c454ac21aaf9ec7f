using System.Security.Claims;
using Exports.Data;
using Exports.Host;
using Exports.Layouts;

namespace Exports.Features.Dashboards;

/// <summary>GET /dashboards/{id}/export.{png|pdf} and /dashboards/{id}/widgets/{widgetId}/export.{png|pdf}, with
/// time range, time zone, theme, page and scale overrides in the query string.</summary>
public static class ExportDashboard
{
    public static void Map(RouteGroupBuilder g)
    {
        g.MapGet("/dashboards/{id}/export.{format:regex(^(png|pdf)$)}", async (string id, string format, HttpContext http, ExportsDb db,
            LayoutExports exports, ExportGate gate, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var owner = user.OwnerId();
            if (await DashboardQueries.FindAsync(db, owner, id, ct) is not { } d) return Problems.NotFound($"No dashboard '{id}'.");
            var query = LayoutOverrides.Parse(http.Request.Query);
            return await gate.RenderAsync(exports, owner, user.Identity?.Name ?? "Exports", query.Apply(Adapters.Dashboard(d), format), http, ct, query);
        }).WithTags("Dashboards").WithSummary("Export a dashboard as PNG or PDF").ProducesProblem(400).ProducesProblem(404).ProducesProblem(429);

        g.MapGet("/dashboards/{id}/widgets/{widgetId}/export.{format:regex(^(png|pdf)$)}", async (string id, string widgetId, string format,
            HttpContext http, ExportsDb db, LayoutExports exports, ExportGate gate, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var owner = user.OwnerId();
            if (await DashboardQueries.FindAsync(db, owner, id, ct) is not { } d) return Problems.NotFound($"No dashboard '{id}'.");
            if (Adapters.Widget(d, widgetId) is not { } single) return Problems.NotFound($"Dashboard '{id}' has no widget '{widgetId}'.");
            var query = LayoutOverrides.Parse(http.Request.Query);
            return await gate.RenderAsync(exports, owner, user.Identity?.Name ?? "Exports", query.Apply(single, format), http, ct, query);
        }).WithTags("Dashboards").WithSummary("Export one widget of a dashboard").ProducesProblem(400).ProducesProblem(404).ProducesProblem(429);
    }
}
