using Exports.Data;
using Marten;
using Npgsql;
using Quartz;

namespace Exports.Features.Schedule;

/// <summary>What Quartz should hold for a schedule: its durable job, and a cron trigger in its time zone while it is
/// active and has a fire time left. Null trigger: nothing to fire (paused, or it can never fire again).</summary>
public sealed record TriggerPlan(IJobDetail Job, ITrigger? Trigger, bool Active)
{
    /// <summary>Active, but no fire time is left (a past endAt, a cron whose last year has gone).</summary>
    public bool NeverFires => Active && Trigger is null;
}

/// <summary>Keeps Quartz's clustered store in step with a schedule: one durable job per schedule and a cron trigger
/// in its time zone while it is active. Missed fires while every node was down: one run on start-up
/// (FireAndProceed), not one per missed tick. Each change is one Quartz store operation (replace, or delete), so
/// it happens whole or not at all; <see cref="SaveAsync"/> ties it to the schedule's row.</summary>
public static class ScheduleTriggers
{
    public const string Group = "schedules";
    public static JobKey Job(Guid id) => new($"schedule-{id:N}", Group);
    public static TriggerKey Cron(Guid id) => new($"schedule-{id:N}", Group);

    /// <summary>The job and trigger a schedule should have now (pure: nothing is stored).</summary>
    public static TriggerPlan Plan(ExportSchedule s, ScheduleBody spec, TimeProvider clock)
    {
        var job = JobBuilder.Create<ScheduleJob>().WithIdentity(Job(s.Id)).UsingJobData(ScheduleJob.IdKey, s.Id.ToString())
            .StoreDurably(true).RequestRecovery(true).Build();
        if (!s.Active) return new(job, null, false);
        var now = clock.GetUtcNow();
        if (spec.EndAt is { } e && e <= now) return new(job, null, true);
        try
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(s.Timezone);
            var builder = TriggerBuilder.Create(clock).WithIdentity(Cron(s.Id)).ForJob(job)
                .WithCronSchedule(s.Cron, c => c.InTimeZone(zone).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
                .StartAt(spec.StartAt is { } st && st > now ? st : now);
            if (spec.EndAt is { } end) builder = builder.EndAt(end);
            var trigger = builder.Build();
            // Quartz refuses a trigger that will never fire; find that out here, before anything is written.
            return ((Quartz.Extensibility.IOperableTrigger)trigger).ComputeFirstFireTimeUtc(null) is null ? new(job, null, true) : new(job, trigger, true);
        }
        // A row saved before its dates were checked (startAt in year 9999): no fire time Quartz can hold.
        catch (Exception x) when (x is ArgumentException or FormatException or TimeZoneNotFoundException) { return new(job, null, true); }
    }

    /// <summary>Stores the plan in one Quartz operation: the job and its cron trigger replaced together, or the job
    /// (with every trigger) deleted. Window firings booked under an earlier spec are dropped afterwards.</summary>
    public static async Task ApplyAsync(IScheduler scheduler, TriggerPlan plan, ILogger log, CancellationToken ct)
    {
        if (plan.Trigger is null) { await scheduler.DeleteJob(plan.Job.Key, ct); return; }
        await scheduler.ScheduleJob(plan.Job, [plan.Trigger], ScheduleJobOptions.Replacing, ct);
        try
        {
            var stale = (await scheduler.GetTriggersOfJob(plan.Job.Key, ct)).Select(t => t.Key).Where(k => k.Name.StartsWith("window-", StringComparison.Ordinal)).ToList();
            if (stale.Count > 0) await scheduler.UnscheduleJobs(stale, ct);
        }
        catch (SchedulerException e) { log.LogWarning(e, "Could not drop the window firings of schedule job {Job}; they run under the new spec", plan.Job.Key); }
    }

    /// <summary>Writes a schedule's document and its Quartz state as one: the document's transaction (holding the
    /// schedule's lock, which a tick of a schedule it cannot find yet waits for) commits only after Quartz has taken
    /// the plan; if Quartz refuses, the transaction rolls back; if the commit fails, Quartz gets <paramref name="previous"/>
    /// back (null: the schedule is new, its job is deleted). <paramref name="write"/> makes the change (store or delete,
    /// and what goes with it) in a session on that transaction. Returns false when nothing was changed.</summary>
    public static async Task<bool> SaveAsync(IDocumentStore store, NpgsqlDataSource db, IScheduler scheduler, Guid id, TriggerPlan plan, TriggerPlan? previous,
        Action<IDocumentSession> write, ILogger log, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await LockAsync(conn, tx, id, ct);
        await using (var session = store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(tx)))
        {
            write(session);
            await session.SaveChangesAsync(ct);
        }
        // Past this point the client going away must not split the document from its trigger.
        var none = CancellationToken.None;
        try { await ApplyAsync(scheduler, plan, log, none); }
        catch (Exception e) when (e is SchedulerException or System.Data.Common.DbException or TimeoutException)
        {
            log.LogError(e, "Quartz refused the trigger of schedule {Schedule}; its document is rolled back", id);
            await tx.RollbackAsync(none);
            return false;
        }
        try { await tx.CommitAsync(none); }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException)
        {
            log.LogError(e, "Saving schedule {Schedule} failed after its trigger changed; putting the trigger back", id);
            try { await ApplyAsync(scheduler, previous ?? new TriggerPlan(plan.Job, null, false), log, none); }
            catch (SchedulerException again) { log.LogError(again, "Could not put back the trigger of schedule {Schedule}; its next tick sets it right", id); }
            return false;
        }
        return true;
    }

    /// <summary>What a save answers when <see cref="SaveAsync"/> changed nothing: 503, retry in 5 s.</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Unavailable(HttpContext http)
    {
        http.Response.Headers.RetryAfter = "5";
        return Exports.Shared.Problems.Status(503, "The scheduler is not available", "Nothing was changed; try again shortly.");
    }

    /// <summary>The schedule's transaction lock (advisory, so it also covers a document that is not committed yet).</summary>
    public static async Task LockAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = "schedule:" + id.ToString("N") });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>A one-off firing when the window opens, for ticks that came outside it: one per opening, however
    /// many ticks waited for it. False when that opening was already booked.</summary>
    public static async Task<bool> DeferAsync(IScheduler scheduler, Guid id, DateTimeOffset at, DateTimeOffset dueAt, CancellationToken ct)
    {
        var key = new TriggerKey($"window-{id:N}-{at.UtcTicks}", Group);
        if (await scheduler.Exists(key, ct)) return false;
        var trigger = TriggerBuilder.Create(TimeProvider.System)
            .WithIdentity(key).ForJob(Job(id))
            .UsingJobData(ScheduleJob.TriggerKind, ScheduleTrigger.Window.Name()).UsingJobData("dueAt", dueAt.ToString("O"))
            .StartAt(at).Build();
        try { await scheduler.ScheduleJob(trigger, default, ct); }
        catch (ObjectAlreadyExistsException) { return false; }
        return true;
    }
}
