using Exports.Data;
using Exports.Jobs;
using Quartz;

namespace Exports.Features.Schedule;

/// <summary>Keeps Quartz's clustered store in step with a schedule: one durable job per schedule and a cron trigger
/// in its time zone while it is active. Missed fires while every node was down: one run on start-up
/// (FireAndProceed), not one per missed tick.</summary>
public static class ScheduleTriggers
{
    public const string Group = "schedules";
    public static JobKey Job(Guid id) => new($"schedule-{id:N}", Group);
    static TriggerKey Cron(Guid id) => new($"schedule-{id:N}", Group);

    public static async Task SyncAsync(IScheduler scheduler, ExportSchedule s, ScheduleBody spec, TimeProvider clock, CancellationToken ct)
    {
        await scheduler.DeleteJob(Job(s.Id), ct);
        if (!s.Active) return;
        var job = JobBuilder.Create<ScheduleJob>().WithIdentity(Job(s.Id)).UsingJobData(ScheduleJob.IdKey, s.Id.ToString())
            .StoreDurably(true).RequestRecovery(true).Build();
        var zone = TimeZoneInfo.FindSystemTimeZoneById(s.Timezone);
        var builder = TriggerBuilder.Create(clock).WithIdentity(Cron(s.Id)).ForJob(job)
            .WithCronSchedule(s.Cron, c => c.InTimeZone(zone).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed));
        var start = spec.StartAt is { } st && st > clock.GetUtcNow() ? st : clock.GetUtcNow();
        builder = builder.StartAt(start);
        if (spec.EndAt is { } end) builder = builder.EndAt(end);
        if (spec.EndAt is { } e && e <= clock.GetUtcNow()) { await scheduler.AddJob(job, default, ct); return; }
        await scheduler.ScheduleJob(job, builder.Build(), default, ct);
    }

    /// <summary>A one-off firing when the window opens, for ticks that came outside it: one per opening, however
    /// many ticks waited for it. False when that opening was already booked.</summary>
    public static async Task<bool> DeferAsync(IScheduler scheduler, Guid id, DateTimeOffset at, DateTimeOffset dueAt, CancellationToken ct)
    {
        var key = new TriggerKey($"window-{id:N}-{at.UtcTicks}", Group);
        if (await scheduler.Exists(key, ct)) return false;
        var trigger = TriggerBuilder.Create(TimeProvider.System)
            .WithIdentity(key).ForJob(Job(id))
            .UsingJobData(ScheduleJob.TriggerKind, "window").UsingJobData("dueAt", dueAt.ToString("O"))
            .StartAt(at).Build();
        try { await scheduler.ScheduleJob(trigger, default, ct); }
        catch (ObjectAlreadyExistsException) { return false; }
        return true;
    }

    public static async Task RemoveAsync(IScheduler scheduler, Guid id, CancellationToken ct) => await scheduler.DeleteJob(Job(id), ct);
}
