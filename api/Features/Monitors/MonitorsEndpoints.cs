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

/// <summary>Threshold monitors on a metric: create, list, read, and export as a status header above the linked
/// dashboard. Every response and export evaluates the monitor at that moment (<see cref="MonitorEvaluation"/>) and
/// stores the result; nothing notifies anyone, so there is no schedule.</summary>
public static class MonitorsEndpoints
{
    public static void Map(RouteGroupBuilder g)
    {
        g.MapGet("/monitors", async (ExportsDb db, SeriesExports exports, ClaimsPrincipal user, TimeProvider clock, CancellationToken ct) =>
        {
            var owner = user.OwnerId();
            var list = await db.Monitors.Where(m => m.OwnerId == owner).OrderBy(m => m.Name).ToListAsync(ct);
            var views = new List<object>(list.Count);
            foreach (var m in list) views.Add(View(m, await EvaluateAsync(exports, m, clock.GetUtcNow(), ct)));
            await db.SaveChangesAsync(ct);
            return TypedResults.Ok(new { monitors = views });
        }).WithTags("Monitors").WithSummary("List your monitors, each evaluated now");

        g.MapGet("/monitors/{id:guid}", async (Guid id, ExportsDb db, SeriesExports exports, ClaimsPrincipal user, TimeProvider clock, CancellationToken ct) =>
        {
            if (await Find(db, user.OwnerId(), id, ct) is not { } m) return Problems.NotFound($"No monitor '{id}'.");
            var state = await EvaluateAsync(exports, m, clock.GetUtcNow(), ct);
            await db.SaveChangesAsync(ct);
            return Results.Ok(View(m, state));
        }).WithTags("Monitors").WithSummary("A monitor, evaluated now").ProducesProblem(404);

        g.MapPost("/monitors", async (MonitorBody body, ExportsDb db, SeriesExports exports, ClaimsPrincipal user, TimeProvider clock, CancellationToken ct) =>
        {
            var owner = user.OwnerId();
            var e = new Errors();
            if (string.IsNullOrWhiteSpace(body.Name) || body.Name.Length > 200) e.Add("name", "A name has 1 to 200 characters.");
            if (body.Condition is not ("above" or "below")) e.Add("condition", "condition is above or below.");
            if (body.Threshold is not { } th || !double.IsFinite(th)) e.Add("threshold", "threshold is a number.");
            if (body.Query?.Source is null || body.Query.Metrics is not { Count: 1 }) e.Add("query", "A monitor watches one metric: a query with a source and one metric.");
            if (body.Query?.Aggregations is { Count: > 1 }) e.Add("query.aggregations", "A monitor watches one value: give at most one aggregation.");
            if (body.DashboardId is { } dash && !await db.Dashboards.AnyAsync(d => d.OwnerId == owner && d.Id == dash, ct)) e.Add("dashboardId", "No such dashboard.");
            if (e.Any) return Problems.Validation(e.ToDictionary());
            var now = clock.GetUtcNow();
            var query = body.Query! with { Timeframe = null };
            var (outcome, _, errors) = await exports.PrepareAsync(owner, MonitorEvaluation.WindowQuery(query, now - MonitorEvaluation.Window, now), ct);
            if (outcome != PrepareOutcome.Ok)
                return Problems.Validation(errors.Any ? errors.ToDictionary().ToDictionary(kv => "query." + kv.Key, kv => kv.Value) : new() { ["query.source"] = ["No such source."] });
            var m = new ThresholdMonitor
            {
                Id = Guid.NewGuid(), OwnerId = owner, Name = body.Name!.Trim(), Query = JsonSerializer.Serialize(query, Adapters.Json),
                Condition = body.Condition!, Threshold = body.Threshold!.Value, DashboardId = body.DashboardId, CreatedAt = now,
            };
            var state = await EvaluateAsync(exports, m, now, ct);
            db.Monitors.Add(m);
            await db.SaveChangesAsync(ct);
            return Results.Created($"/api/v1/monitors/{m.Id}", View(m, state));
        }).WithTags("Monitors").WithSummary("Create a threshold monitor (evaluated at once)").ProducesProblem(400);

        g.MapGet("/monitors/{id:guid}/export.{format:regex(^(png|pdf)$)}", async (Guid id, string format, HttpContext http, ExportsDb db,
            SeriesExports series, LayoutExports exports, ExportGate gate, ClaimsPrincipal user, TimeProvider clock, CancellationToken ct) =>
        {
            var owner = user.OwnerId();
            if (await LayoutSources.MonitorAsync(db, series, owner, id, clock.GetUtcNow(), ct) is not { } monitor) return Problems.NotFound($"No monitor '{id}'.");
            var query = LayoutOverrides.Parse(http.Request.Query);
            return await gate.RenderAsync(exports, owner, user.Identity?.Name ?? "Exports", query.Apply(monitor, format), http, ct, query);
        }).WithTags("Monitors").WithSummary("Export a monitor: its status and linked dashboard").ProducesProblem(404);
    }

    static Task<ThresholdMonitor?> Find(ExportsDb db, Guid owner, Guid id, CancellationToken ct) =>
        db.Monitors.FirstOrDefaultAsync(m => m.OwnerId == owner && m.Id == id, ct);

    static async Task<MonitorState> EvaluateAsync(SeriesExports exports, ThresholdMonitor m, DateTimeOffset now, CancellationToken ct)
    {
        var state = await MonitorEvaluation.RunAsync(exports, m.OwnerId, m, now, ct);
        MonitorEvaluation.Store(m, state);
        return state;
    }

    static object View(ThresholdMonitor m, MonitorState s) => new
    {
        id = m.Id, name = m.Name, query = JsonDocument.Parse(m.Query).RootElement, condition = m.Condition, threshold = m.Threshold,
        state = s.State, value = s.Value, series = s.Series, valueAt = s.ValueAt, since = s.Since, sinceAtLeast = s.SinceAtLeast,
        evaluatedAt = s.EvaluatedAt, window = new { from = s.WindowFrom, to = s.EvaluatedAt }, error = s.Error, dashboardId = m.DashboardId,
    };
}
