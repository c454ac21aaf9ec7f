using System.Security.Claims;
using System.Text.Json;
using Exports.Data;
using Exports.Host;
using Microsoft.EntityFrameworkCore;
using Quartz;

namespace Exports.Features.Schedule;

/// <summary>GET /schedules, GET/PUT/DELETE /schedules/{id}, POST /schedules/{id}/pause and /resume. Every change is
/// checked before anything is written and saves the row and its trigger as one (or answers 503 having changed
/// nothing).</summary>
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

        g.MapPut("/schedules/{id:guid}", async (Guid id, ScheduleBody body, ExportsDb db, Exports.Jobs.IDeliveryTargets targets, ISchedulerFactory schedulers, ExportsSettings settings,
                TimeProvider clock, ClaimsPrincipal user, HttpContext http, ILogger<ScheduleJob> log, CancellationToken ct) =>
            {
                var owner = user.OwnerId();
                if (await Find(db, owner, id, ct) is not { } s) return Problems.NotFound($"No schedule {id}.");
                var (cron, tz, refused) = await ScheduleView.CheckAsync(body, owner, db, targets, settings, clock, ct);
                if (refused is not null) return JobResults.Refused(refused, http);
                var previous = ScheduleTriggers.Plan(s, Spec(s), clock);
                (s.TemplateId, s.Cron, s.Timezone, s.Active, s.UpdatedAt) = (body.TemplateId!.Value, cron!, tz!, body.Active ?? s.Active, clock.GetUtcNow());
                if (body.Name?.Trim() is { Length: > 0 } n) s.Name = n;
                s.Spec = JsonSerializer.Serialize(body with { Timezone = tz }, ScheduleView.Json);
                var plan = ScheduleTriggers.Plan(s, body, clock);
                if (plan.NeverFires) return Problems.Field(body.EndAt is not null ? "endAt" : body.Cron is not null ? "cron" : "frequency", "The schedule would never fire.");
                if (!await ScheduleTriggers.SaveAsync(db, await schedulers.GetScheduler(ct), id, plan, previous, log, ct)) return CreateSchedule.Unavailable(http);
                return TypedResults.Ok(ScheduleView.From(s, clock));
            })
            .WithTags("Schedules").WithSummary("Change a schedule").Produces<ScheduleView>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(503);

        g.MapDelete("/schedules/{id:guid}", async (Guid id, ExportsDb db, ISchedulerFactory schedulers, TimeProvider clock, ClaimsPrincipal user, HttpContext http,
                ILogger<ScheduleJob> log, CancellationToken ct) =>
            {
                if (await Find(db, user.OwnerId(), id, ct) is not { } s) return (IResult)Problems.NotFound($"No schedule {id}.");
                var previous = ScheduleTriggers.Plan(s, Spec(s), clock);
                db.Schedules.Remove(s);
                if (!await ScheduleTriggers.SaveAsync(db, await schedulers.GetScheduler(ct), id, previous with { Trigger = null, Active = false }, previous, log, ct))
                    return CreateSchedule.Unavailable(http);
                return TypedResults.NoContent();
            })
            .WithTags("Schedules").WithSummary("Delete a schedule and its runs").Produces(204).ProducesProblem(404).ProducesProblem(503);

        foreach (var (verb, active) in new[] { ("pause", false), ("resume", true) })
            g.MapPost($"/schedules/{{id:guid}}/{verb}", async (Guid id, ExportsDb db, ISchedulerFactory schedulers, TimeProvider clock, ClaimsPrincipal user, HttpContext http,
                    ILogger<ScheduleJob> log, CancellationToken ct) =>
                {
                    if (await Find(db, user.OwnerId(), id, ct) is not { } s) return (IResult)Problems.NotFound($"No schedule {id}.");
                    var spec = Spec(s);
                    var previous = ScheduleTriggers.Plan(s, spec, clock);
                    (s.Active, s.UpdatedAt) = (active, clock.GetUtcNow());
                    var plan = ScheduleTriggers.Plan(s, spec, clock);
                    if (plan.NeverFires)
                        return Problems.Status(409, "This schedule will not fire again",
                            "Its endAt has passed or its cron has no later fire time; change it with PUT /api/v1/schedules/{id}. Nothing was changed.");
                    if (!await ScheduleTriggers.SaveAsync(db, await schedulers.GetScheduler(ct), id, plan, previous, log, ct)) return CreateSchedule.Unavailable(http);
                    return TypedResults.Ok(ScheduleView.From(s, clock));
                })
                .WithTags("Schedules").WithSummary(active ? "Resume a schedule" : "Pause a schedule").Produces<ScheduleView>().ProducesProblem(404).ProducesProblem(409).ProducesProblem(503);
    }

    static ScheduleBody Spec(ExportSchedule s) => JsonSerializer.Deserialize<ScheduleBody>(s.Spec, JsonSerializerOptions.Web)!;

    static Task<ExportSchedule?> Find(ExportsDb db, Guid owner, Guid id, CancellationToken ct) =>
        db.Schedules.FirstOrDefaultAsync(s => s.Id == id && s.OwnerId == owner, ct);
}
