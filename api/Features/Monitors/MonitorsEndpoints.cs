using System.Security.Claims;
using System.Text.Json;
using Exports.Data;
using Exports.Formats;
using Exports.Host;
using Exports.Layouts;
using Exports.Series;
using Exports.Shared;
using Microsoft.EntityFrameworkCore;

namespace Exports.Features.Monitors;

public sealed record MonitorBody(string? Name, ExportRequest? Query, string? Condition, double? Threshold, Guid? DashboardId);

/// <summary>Threshold monitors on a metric: create (evaluated at once on the last hour), list, read, and export as
/// a status header above the linked dashboard.</summary>
public static class MonitorsEndpoints
{
    public static void Map(RouteGroupBuilder g)
    {
        g.MapGet("/monitors", async (ExportsDb db, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var owner = user.OwnerId();
            var list = await db.Monitors.Where(m => m.OwnerId == owner).OrderBy(m => m.Name).ToListAsync(ct);
            return TypedResults.Ok(new { monitors = list.Select(View) });
        }).WithTags("Monitors").WithSummary("List your monitors");

        g.MapGet("/monitors/{id:guid}", async (Guid id, ExportsDb db, ClaimsPrincipal user, CancellationToken ct) =>
            await Find(db, user.OwnerId(), id, ct) is { } m ? Results.Ok(View(m)) : Problems.NotFound($"No monitor '{id}'."))
            .WithTags("Monitors").WithSummary("A monitor").ProducesProblem(404);

        g.MapPost("/monitors", async (MonitorBody body, ExportsDb db, SeriesExports exports, ClaimsPrincipal user, TimeProvider clock, CancellationToken ct) =>
        {
            var owner = user.OwnerId();
            var e = new Errors();
            if (string.IsNullOrWhiteSpace(body.Name) || body.Name.Length > 200) e.Add("name", "A name has 1 to 200 characters.");
            if (body.Condition is not ("above" or "below")) e.Add("condition", "condition is above or below.");
            if (body.Threshold is not { } th || !double.IsFinite(th)) e.Add("threshold", "threshold is a number.");
            if (body.Query?.Source is null || body.Query.Metrics is not { Count: 1 }) e.Add("query", "A monitor watches one metric: a query with a source and one metric.");
            if (body.DashboardId is { } dash && !await db.Dashboards.AnyAsync(d => d.OwnerId == owner && d.Id == dash, ct)) e.Add("dashboardId", "No such dashboard.");
            if (e.Any) return Problems.Validation(e.ToDictionary());
            var query = body.Query! with { Timeframe = new TimeframeSpec { Last = "1h" }, Format = "csv" };
            var (outcome, prepared, errors) = await exports.PrepareAsync(owner, query, ct);
            if (outcome != PrepareOutcome.Ok)
                return Problems.Validation(errors.Any ? errors.ToDictionary().ToDictionary(kv => "query." + kv.Key, kv => kv.Value) : new() { ["query.source"] = ["No such source."] });
            double? last = null;
            var value = prepared!.Schema.Columns.FirstOrDefault(c => !c.IsKey && c.Type is ColumnType.Double or ColumnType.Long);
            if (value is not null)
                await exports.ReadAsync(prepared, 100_000, row => { if (!row.Nulls[value.Slot]) last = value.Type == ColumnType.Long ? row.Longs[value.Slot] : row.Doubles[value.Slot]; }, ct);
            var now = clock.GetUtcNow();
            var state = last is not { } v ? "no-data" : (body.Condition == "above" ? v > body.Threshold : v < body.Threshold) ? "alerting" : "ok";
            var m = new ThresholdMonitor
            {
                Id = Guid.NewGuid(), OwnerId = owner, Name = body.Name!.Trim(), Query = JsonSerializer.Serialize(body.Query! with { Timeframe = null }, Adapters.Json),
                Condition = body.Condition!, Threshold = body.Threshold!.Value, State = state, Value = last, Since = now, DashboardId = body.DashboardId, CreatedAt = now,
            };
            db.Monitors.Add(m);
            await db.SaveChangesAsync(ct);
            return Results.Created($"/api/v1/monitors/{m.Id}", View(m));
        }).WithTags("Monitors").WithSummary("Create a threshold monitor").ProducesProblem(400);

        g.MapGet("/monitors/{id:guid}/export.{format:regex(^(png|pdf)$)}", async (Guid id, string format, HttpContext http, ExportsDb db,
            LayoutExports exports, ExportGate gate, ClaimsPrincipal user, TimeProvider clock, CancellationToken ct) =>
        {
            var owner = user.OwnerId();
            if (await LayoutSources.MonitorAsync(db, owner, id, clock.GetUtcNow(), ct) is not { } monitor) return Problems.NotFound($"No monitor '{id}'.");
            var query = LayoutOverrides.Parse(http.Request.Query);
            return await gate.RenderAsync(exports, owner, user.Identity?.Name ?? "Exports", query.Apply(monitor, format), http, ct, query);
        }).WithTags("Monitors").WithSummary("Export a monitor: its status and linked dashboard").ProducesProblem(404);
    }

    static Task<ThresholdMonitor?> Find(ExportsDb db, Guid owner, Guid id, CancellationToken ct) =>
        db.Monitors.FirstOrDefaultAsync(m => m.OwnerId == owner && m.Id == id, ct);

    static object View(ThresholdMonitor m) => new
    {
        id = m.Id, name = m.Name, query = JsonDocument.Parse(m.Query).RootElement, condition = m.Condition, threshold = m.Threshold,
        state = m.State, value = m.Value, since = m.Since, dashboardId = m.DashboardId,
    };
}
