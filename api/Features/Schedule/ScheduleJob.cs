using System.Text.Json;
using Exports.Data;
using Exports.Jobs;
using Microsoft.EntityFrameworkCore;
using Quartz;

namespace Exports.Features.Schedule;

/// <summary>One tick of a schedule (or its "run now"): outside the window it books a one-off firing for when the
/// window opens; otherwise it records the run, once per tick (a unique row per schedule, fire time and trigger),
/// and queues the template as an export job whose idempotency key is the tick, so a second firing of the same tick
/// on another node cannot make a second export.</summary>
public sealed class ScheduleJob(IServiceScopeFactory scopes, TemplateRuns runs, TimeProvider clock, ILogger<ScheduleJob> log) : IJob
{
    public const string IdKey = "scheduleId", TriggerKind = "trigger";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct)
    {
        var id = Guid.Parse(context.MergedJobDataMap.GetString(IdKey)!);
        var kind = context.MergedJobDataMap.GetString(TriggerKind) ?? "cron";
        var scheduledFor = context.ScheduledFireTimeUtc ?? clock.GetUtcNow();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ExportsDb>();
        var s = await db.Schedules.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, ct);
        if (s is null)
        {
            // Deleted with its template (a cascade the template slice cannot see): remove the orphaned trigger.
            await context.Scheduler.DeleteJob(context.JobDetail.Key, ct);
            return;
        }
        if (!s.Active && kind == "cron") return;
        var spec = JsonSerializer.Deserialize<ScheduleBody>(s.Spec, JsonSerializerOptions.Web)!;
        var zone = TimeZoneInfo.FindSystemTimeZoneById(s.Timezone);
        if (kind == "cron" && ScheduleSpec.WaitForWindow(spec.Window, zone, clock.GetUtcNow()) is { } opens)
        {
            if (await ScheduleTriggers.DeferAsync(context.Scheduler, id, opens, scheduledFor, ct))
                await RecordAsync(db, s, "cron", scheduledFor, "waiting", $"Outside the window {spec.Window}; runs when it opens at {opens:yyyy-MM-dd HH:mm zzz}.", null, ct);
            return;
        }
        if (kind == "window" && context.MergedJobDataMap.GetString("dueAt") is { } due) scheduledFor = DateTimeOffset.Parse(due, System.Globalization.CultureInfo.InvariantCulture);
        await RunAsync(db, runs, s, kind, scheduledFor, clock, ct);
    }

    /// <summary>Records the run and queues the export. Returns the run, or null when this tick already ran.</summary>
    public static async Task<ScheduleRun?> RunAsync(ExportsDb db, TemplateRuns runs, ExportSchedule s, string kind, DateTimeOffset scheduledFor, TimeProvider clock, CancellationToken ct)
    {
        var template = await db.Templates.AsNoTracking().FirstOrDefaultAsync(t => t.Id == s.TemplateId, ct);
        var run = await RecordAsync(db, s, kind, scheduledFor, "starting", null, null, ct);
        if (run is null)
        {
            // This tick was recorded before. If its node died before queuing the export, finish it here (the export's
            // idempotency key still makes it one export); otherwise it already ran.
            run = await db.ScheduleRuns.FirstOrDefaultAsync(r => r.ScheduleId == s.Id && r.ScheduledFor == scheduledFor && r.Trigger == kind, ct);
            if (run is not { Status: "starting", ExportId: null }) return null;
        }
        if (template is null) { run.Status = "refused"; run.Error = "The template no longer exists."; await db.SaveChangesAsync(ct); return run; }
        var spec = JsonSerializer.Deserialize<ScheduleBody>(s.Spec, JsonSerializerOptions.Web)!;
        var node = System.Text.Json.Nodes.JsonNode.Parse(template.Request)!.AsObject();
        if (spec.Retry is { } r)
            node["retry"] = JsonSerializer.SerializeToNode(new JobRetry(r.Attempts ?? 3, r.Backoff ?? "exponential", r.BaseDelayMs ?? 1000, r.MaxDelayMs ?? 30_000, r.Jitter ?? true), JsonSerializerOptions.Web);
        if (spec.Destinations is { } d && ScheduleView.DestinationIds(d) is { Count: > 0 } ids)
            node["delivery"] = new System.Text.Json.Nodes.JsonObject { ["destinations"] = JsonSerializer.SerializeToNode(ids) };
        var request = node.ToJsonString();
        var (ok, refused) = await runs.RunAsync(s.OwnerId, template.Name, request, null, $"schedule:{s.Id:N}:{kind}:{scheduledFor.UtcTicks}", ct);
        if (refused is null) (run.Status, run.ExportId, run.Error) = ("queued", ok!.Job.Id, null);
        else (run.Status, run.ExportId, run.Error) = ("refused", null, $"{refused.Title}. {refused.Detail}".Trim());
        await db.SaveChangesAsync(ct);
        return run;
    }

    static async Task<ScheduleRun?> RecordAsync(ExportsDb db, ExportSchedule s, string kind, DateTimeOffset scheduledFor, string status, string? error, Guid? export, CancellationToken ct)
    {
        var run = new ScheduleRun
        {
            Id = Guid.CreateVersion7(), ScheduleId = s.Id, OwnerId = s.OwnerId, Trigger = kind, ScheduledFor = scheduledFor,
            StartedAt = DateTimeOffset.UtcNow, Status = status, Error = error, ExportId = export,
        };
        db.ScheduleRuns.Add(run);
        try { await db.SaveChangesAsync(ct); }
        catch (DbUpdateException e) when (e.InnerException is Npgsql.PostgresException { SqlState: "23505" })
        {
            db.ChangeTracker.Clear();
            return null;
        }
        return run;
    }
}
