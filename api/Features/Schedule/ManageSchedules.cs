using System.Security.Claims;
using System.Text.Json;
using Exports.Data;
using Exports.Host;
using Microsoft.EntityFrameworkCore;
using Quartz;

namespace Exports.Features.Schedule;

/// <summary>GET /schedules, GET/PUT/DELETE /schedules/{id}, POST /schedules/{id}/pause and /resume.</summary>
public static class ManageSchedules
{
    public static void Map(RouteGroupBuilder g)
    {
        g.MapGet("/schedules", async (ExportsDb db, TimeProvider clock, ClaimsPrincipal user, CancellationToken ct) =>
            {
                var owner = user.OwnerId();
                var list = await db.Schedules.AsNoTracking().Where(s => s.OwnerId == owner).OrderBy(s => s.Name).ToListAsync(ct);
                return TypedResults.Ok(list.Select(s => ScheduleView.From(s, clock)).ToList());
            })
            .WithTags("Schedules").WithSummary("Your schedules").Produces<List<ScheduleView>>();

        g.MapGet("/schedules/{id:guid}", async (Guid id, ExportsDb db, TimeProvider clock, ClaimsPrincipal user, CancellationToken ct) =>
                await Find(db, user.OwnerId(), id, ct) is { } s ? (IResult)TypedResults.Ok(ScheduleView.From(s, clock)) : Problems.NotFound($"No schedule {id}."))
            .WithTags("Schedules").WithSummary("One schedule").Produces<ScheduleView>().ProducesProblem(404);

        g.MapPut("/schedules/{id:guid}", async (Guid id, ScheduleBody body, ExportsDb db, Exports.Jobs.IDeliveryTargets targets, ISchedulerFactory schedulers, TimeProvider clock, ClaimsPrincipal user, HttpContext http, CancellationToken ct) =>
            {
                var owner = user.OwnerId();
                if (await Find(db, owner, id, ct) is not { } s) return Problems.NotFound($"No schedule {id}.");
                var (cron, tz, refused) = await ScheduleView.CheckAsync(body, owner, db, targets, ct);
                if (refused is not null) return JobResults.Refused(refused, http);
                (s.TemplateId, s.Cron, s.Timezone, s.Active, s.UpdatedAt) = (body.TemplateId!.Value, cron!, tz!, body.Active ?? s.Active, clock.GetUtcNow());
                if (body.Name?.Trim() is { Length: > 0 } n) s.Name = n;
                s.Spec = JsonSerializer.Serialize(body with { Timezone = tz }, ScheduleView.Json);
                await db.SaveChangesAsync(ct);
                await ScheduleTriggers.SyncAsync(await schedulers.GetScheduler(ct), s, body, clock, ct);
                return TypedResults.Ok(ScheduleView.From(s, clock));
            })
            .WithTags("Schedules").WithSummary("Change a schedule").Produces<ScheduleView>().ProducesProblem(400).ProducesProblem(404);

        g.MapDelete("/schedules/{id:guid}", async (Guid id, ExportsDb db, ISchedulerFactory schedulers, ClaimsPrincipal user, CancellationToken ct) =>
            {
                if (await Find(db, user.OwnerId(), id, ct) is not { } s) return (IResult)Problems.NotFound($"No schedule {id}.");
                await ScheduleTriggers.RemoveAsync(await schedulers.GetScheduler(ct), id, ct);
                db.Schedules.Remove(s);
                await db.SaveChangesAsync(ct);
                return TypedResults.NoContent();
            })
            .WithTags("Schedules").WithSummary("Delete a schedule and its runs").Produces(204).ProducesProblem(404);

        foreach (var (verb, active) in new[] { ("pause", false), ("resume", true) })
            g.MapPost($"/schedules/{{id:guid}}/{verb}", async (Guid id, ExportsDb db, ISchedulerFactory schedulers, TimeProvider clock, ClaimsPrincipal user, CancellationToken ct) =>
                {
                    if (await Find(db, user.OwnerId(), id, ct) is not { } s) return (IResult)Problems.NotFound($"No schedule {id}.");
                    (s.Active, s.UpdatedAt) = (active, clock.GetUtcNow());
                    await db.SaveChangesAsync(ct);
                    await ScheduleTriggers.SyncAsync(await schedulers.GetScheduler(ct), s, JsonSerializer.Deserialize<ScheduleBody>(s.Spec, JsonSerializerOptions.Web)!, clock, ct);
                    return TypedResults.Ok(ScheduleView.From(s, clock));
                })
                .WithTags("Schedules").WithSummary(active ? "Resume a schedule" : "Pause a schedule").Produces<ScheduleView>().ProducesProblem(404);
    }

    static Task<ExportSchedule?> Find(ExportsDb db, Guid owner, Guid id, CancellationToken ct) =>
        db.Schedules.FirstOrDefaultAsync(s => s.Id == id && s.OwnerId == owner, ct);
}
