using System.Security.Claims;
using System.Text.Json;
using Exports.Data;
using Exports.Host;
using Exports.Layouts;
using Exports.Shared;
using Microsoft.EntityFrameworkCore;

namespace Exports.Features.Alerts;

public sealed record AlertBody(string? Title, string? Severity, DateTimeOffset? FiredAt, Guid? MonitorId, List<Adapters.AlertTarget>? Targets);

/// <summary>Fired alerts with their target queries: record, list, read, and export as a stack of widgets around
/// the firing time.</summary>
public static class AlertsEndpoints
{
    public static void Map(RouteGroupBuilder g)
    {
        g.MapGet("/alerts", async (ExportsDb db, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var owner = user.OwnerId();
            var list = await db.Alerts.Where(a => a.OwnerId == owner).OrderByDescending(a => a.FiredAt).Take(200).ToListAsync(ct);
            return TypedResults.Ok(new { alerts = list.Select(View) });
        }).WithTags("Alerts").WithSummary("List your fired alerts");

        g.MapGet("/alerts/{id:guid}", async (Guid id, ExportsDb db, ClaimsPrincipal user, CancellationToken ct) =>
            await db.Alerts.FirstOrDefaultAsync(a => a.OwnerId == user.OwnerId() && a.Id == id, ct) is { } a ? Results.Ok(View(a)) : Problems.NotFound($"No alert '{id}'."))
            .WithTags("Alerts").WithSummary("An alert").ProducesProblem(404);

        g.MapPost("/alerts", async (AlertBody body, ExportsDb db, ClaimsPrincipal user, TimeProvider clock, CancellationToken ct) =>
        {
            var e = new Errors();
            if (string.IsNullOrWhiteSpace(body.Title) || body.Title.Length > 200) e.Add("title", "A title has 1 to 200 characters.");
            if (body.Severity is not ("info" or "warning" or "critical")) e.Add("severity", "severity is info, warning or critical.");
            if (body.FiredAt is null) e.Add("firedAt", "firedAt is the time the alert fired.");
            if (body.Targets is not { Count: > 0 and <= 20 }) e.Add("targets", "An alert has 1 to 20 targets.");
            for (var i = 0; i < (body.Targets?.Count ?? 0); i++)
                if (body.Targets![i].Query?.Source is null) e.Add($"targets[{i}].query", "Each target has a query with a source.");
            // A monitor is referenced only when it is the caller's own: another owner's id is "no such monitor".
            if (body.MonitorId is { } mid && !await db.Monitors.AnyAsync(m => m.OwnerId == user.OwnerId() && m.Id == mid, ct))
                e.Add("monitorId", "No such monitor.");
            if (e.Any) return Problems.Validation(e.ToDictionary());
            var now = clock.GetUtcNow();
            var a = new Alert
            {
                Id = Guid.NewGuid(), OwnerId = user.OwnerId(), Title = body.Title!.Trim(), Severity = body.Severity!, FiredAt = body.FiredAt!.Value,
                MonitorId = body.MonitorId, Targets = JsonSerializer.Serialize(body.Targets, Adapters.Json), CreatedAt = now,
            };
            db.Alerts.Add(a);
            await db.SaveChangesAsync(ct);
            return Results.Created($"/api/v1/alerts/{a.Id}", View(a));
        }).WithTags("Alerts").WithSummary("Record a fired alert").ProducesProblem(400);

        g.MapGet("/alerts/{id:guid}/export.{format:regex(^(png|pdf)$)}", async (Guid id, string format, HttpContext http, ExportsDb db,
            LayoutExports exports, ExportGate gate, ClaimsPrincipal user, TimeProvider clock, CancellationToken ct) =>
        {
            var owner = user.OwnerId();
            if (await LayoutSources.AlertAsync(db, owner, id, clock.GetUtcNow(), ct) is not { } alert) return Problems.NotFound($"No alert '{id}'.");
            var query = LayoutOverrides.Parse(http.Request.Query);
            return await gate.RenderAsync(exports, owner, user.Identity?.Name ?? "Exports", query.Apply(alert, format), http, ct, query);
        }).WithTags("Alerts").WithSummary("Export an alert with its targets").ProducesProblem(404);
    }

    static object View(Alert a) => new
    {
        id = a.Id, title = a.Title, severity = a.Severity, firedAt = a.FiredAt, monitorId = a.MonitorId, targets = JsonDocument.Parse(a.Targets).RootElement,
    };
}
