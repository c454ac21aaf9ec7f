using System.Security.Claims;
using System.Security.Cryptography;
using Exports.Data;
using Exports.Host;
using Exports.Layouts;
using Microsoft.EntityFrameworkCore;

namespace Exports.Features.Dashboards;

/// <summary>A dashboard's public link: read-only PNG/PDF of its saved range, revocable, kept only as a hash. It is
/// never the route internal exports use, and it cannot widen the time range.</summary>
public static class ShareDashboard
{
    public static void Map(RouteGroupBuilder g)
    {
        g.MapPost("/dashboards/{id}/share", async (string id, ExportsDb db, ClaimsPrincipal user, TimeProvider clock, CancellationToken ct) =>
        {
            if (await DashboardQueries.FindAsync(db, user.OwnerId(), id, ct) is not { } d) return Problems.NotFound($"No dashboard '{id}'.");
            var token = "shr_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_').TrimEnd('=');
            d.ShareHash = Convert.ToHexString(Secrets.HashApiKey(token));
            d.SharedAt = clock.GetUtcNow();
            await db.SaveChangesAsync(ct);
            return Results.Ok(new { png = $"/api/v1/public/dashboards/{token}/export.png", pdf = $"/api/v1/public/dashboards/{token}/export.pdf", sharedAt = d.SharedAt });
        }).WithTags("Dashboards").WithSummary("Create (or replace) the dashboard's public link").ProducesProblem(404);

        g.MapDelete("/dashboards/{id}/share", async (string id, ExportsDb db, ClaimsPrincipal user, CancellationToken ct) =>
        {
            if (await DashboardQueries.FindAsync(db, user.OwnerId(), id, ct) is not { } d) return Problems.NotFound($"No dashboard '{id}'.");
            d.ShareHash = null;
            d.SharedAt = null;
            await db.SaveChangesAsync(ct);
            return Results.NoContent();
        }).WithTags("Dashboards").WithSummary("Revoke the public link").ProducesProblem(404);

        g.MapGet("/public/dashboards/{token}/export.{format:regex(^(png|pdf)$)}", async (string token, string format, HttpContext http, ExportsDb db,
            LayoutExports exports, ExportGate gate, CancellationToken ct) =>
        {
            var hash = Convert.ToHexString(Secrets.HashApiKey(token));
            var d = await db.Dashboards.FirstOrDefaultAsync(x => x.ShareHash == hash, ct);
            if (d is null) return Problems.NotFound("This link does not exist or was revoked.");
            var q = LayoutOverrides.Parse(http.Request.Query) with { From = null, To = null, Last = null };
            return await gate.RenderAsync(exports, d.OwnerId, "Exports", q.Apply(Adapters.Dashboard(d), format), http, ct, q);
        }).AllowAnonymous().WithTags("Dashboards").WithSummary("A shared dashboard (no sign-in)").ProducesProblem(404);
    }
}

public static class DashboardsEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        ManageDashboards.Map(api);
        ExportDashboard.Map(api);
        ShareDashboard.Map(api);
    }
}
