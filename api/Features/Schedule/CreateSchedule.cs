using System.Security.Claims;
using System.Text.Json;
using Exports.Data;
using Exports.Host;
using Quartz;

namespace Exports.Features.Schedule;

/// <summary>POST /api/v1/schedules: runs a template on a frequency or cron in a time zone; stored, then given a
/// trigger in the clustered Quartz store (if that fails the schedule is removed again).</summary>
public static class CreateSchedule
{
    public static void Map(RouteGroupBuilder g) =>
        g.MapPost("/schedules", async (ScheduleBody body, ExportsDb db, Exports.Jobs.IDeliveryTargets targets, ISchedulerFactory schedulers, TimeProvider clock, ClaimsPrincipal user, HttpContext http, CancellationToken ct) =>
            {
                var owner = user.OwnerId();
                var (cron, tz, refused) = await ScheduleView.CheckAsync(body, owner, db, targets, ct);
                if (refused is not null) return JobResults.Refused(refused, http);
                var now = clock.GetUtcNow();
                var template = await db.Templates.FindAsync([body.TemplateId!.Value], ct);
                var s = new ExportSchedule
                {
                    Id = Guid.CreateVersion7(now), OwnerId = owner, TemplateId = body.TemplateId!.Value,
                    Name = body.Name?.Trim() is { Length: > 0 } n ? n : template!.Name, Spec = JsonSerializer.Serialize(body with { Timezone = tz }, ScheduleView.Json),
                    Cron = cron!, Timezone = tz!, Active = body.Active ?? true, CreatedAt = now, UpdatedAt = now,
                };
                db.Schedules.Add(s);
                await db.SaveChangesAsync(ct);
                try { await ScheduleTriggers.SyncAsync(await schedulers.GetScheduler(ct), s, body, clock, ct); }
                catch (SchedulerException)
                {
                    db.Schedules.Remove(s);
                    await db.SaveChangesAsync(CancellationToken.None);
                    return Problems.Status(503, "The scheduler is not available", "Nothing was saved; try again shortly.");
                }
                return TypedResults.Created($"/api/v1/schedules/{s.Id}", ScheduleView.From(s, clock));
            })
            .WithTags("Schedules").WithSummary("Schedule a template").Produces<ScheduleView>(201).ProducesProblem(400);
}
