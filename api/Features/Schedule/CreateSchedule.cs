using System.Security.Claims;
using System.Text.Json;
using Exports.Data;
using Exports.Host;
using Quartz;

namespace Exports.Features.Schedule;

/// <summary>POST /api/v1/schedules: runs a template on a frequency or cron in a time zone. Everything is checked
/// first (the cron must fire, not too often, within sane dates); then the row and its Quartz trigger are saved as
/// one (<see cref="ScheduleTriggers.SaveAsync"/>): both, or neither and a 503.</summary>
public static class CreateSchedule
{
    public static void Map(RouteGroupBuilder g) =>
        g.MapPost("/schedules", async (ScheduleBody body, ExportsDb db, Exports.Jobs.IDeliveryTargets targets, ISchedulerFactory schedulers, ExportsSettings settings,
                TimeProvider clock, ClaimsPrincipal user, HttpContext http, ILogger<ScheduleJob> log, CancellationToken ct) =>
            {
                var owner = user.OwnerId();
                var (cron, tz, refused) = await ScheduleView.CheckAsync(body, owner, db, targets, settings, clock, ct);
                if (refused is not null) return JobResults.Refused(refused, http);
                var now = clock.GetUtcNow();
                var template = await db.Templates.FindAsync([body.TemplateId!.Value], ct);
                if (template is null) return Problems.Field("templateId", $"No template {body.TemplateId}.");
                var s = new ExportSchedule
                {
                    Id = Guid.CreateVersion7(now), OwnerId = owner, TemplateId = body.TemplateId!.Value,
                    Name = body.Name?.Trim() is { Length: > 0 } n ? n : template.Name, Spec = JsonSerializer.Serialize(body with { Timezone = tz }, ScheduleView.Json),
                    Cron = cron!, Timezone = tz!, Active = body.Active ?? true, CreatedAt = now, UpdatedAt = now,
                };
                var plan = ScheduleTriggers.Plan(s, body, clock);
                if (plan.NeverFires) return Problems.Field(body.EndAt is not null ? "endAt" : body.Cron is not null ? "cron" : "frequency", "The schedule would never fire.");
                db.Schedules.Add(s);
                if (!await ScheduleTriggers.SaveAsync(db, await schedulers.GetScheduler(ct), s.Id, plan, null, log, ct))
                    return Unavailable(http);
                return TypedResults.Created($"/api/v1/schedules/{s.Id}", ScheduleView.From(s, clock));
            })
            .WithTags("Schedules").WithSummary("Schedule a template").Produces<ScheduleView>(201).ProducesProblem(400).ProducesProblem(503);

    public static IResult Unavailable(HttpContext http)
    {
        http.Response.Headers.RetryAfter = "5";
        return Problems.Status(503, "The scheduler is not available", "Nothing was changed; try again shortly.");
    }
}
