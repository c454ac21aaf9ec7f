using System.Text.Json;
using Exports.Data;
using Exports.Jobs;
using Marten;
using Npgsql;
using Quartz;

namespace Exports.Features.Schedule;

/// <summary>One tick of a schedule (or its "run now"): outside the window it books a one-off firing for when the
/// window opens; otherwise it queues the template as an export job whose idempotency key is the tick (a second
/// firing of the same tick on another node finds that job and stops), and the run row is written with its export
/// id in the transaction that records the job, so a run is never listed without its export. A refused tick (quota,
/// a template that no longer works) is recorded once: while the schedule's latest run is a refused tick, further
/// refused ticks are folded into it (repeats, lastScheduledFor) instead of a row each, until a run is queued.</summary>
[DisallowConcurrentExecution] // one tick of a schedule at a time: folding refused ticks reads, then writes, its last run
public sealed class ScheduleJob(IServiceScopeFactory scopes, TemplateRuns runs, TimeProvider clock) : IJob
{
    public const string IdKey = "scheduleId", TriggerKind = "trigger";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct)
    {
        var id = Guid.Parse(context.MergedJobDataMap.GetString(IdKey)!);
        var kind = context.MergedJobDataMap.GetString(TriggerKind) is { } k ? ScheduleRunNames.Trigger(k) : ScheduleTrigger.Cron;
        var scheduledFor = context.ScheduledFireTimeUtc ?? clock.GetUtcNow();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<NpgsqlDataSource>();
        var docs = scope.ServiceProvider.GetRequiredService<IQuerySession>();
        var s = await docs.LoadAsync<ExportSchedule>(id, ct);
        if (s is null)
        {
            // Its document may be in a transaction that commits once this trigger is stored (ScheduleTriggers.SaveAsync):
            // wait for the schedule's lock (held until that transaction ends), then look again.
            await using (var conn = await db.OpenConnectionAsync(ct))
            await using (var tx = await conn.BeginTransactionAsync(ct))
            {
                await ScheduleTriggers.LockAsync(conn, tx, id, ct);
                await tx.CommitAsync(ct);
            }
            s = await docs.LoadAsync<ExportSchedule>(id, ct);
            if (s is null)
            {
                // Deleted, with its template or by a delete whose trigger removal failed: remove the orphaned trigger.
                await context.Scheduler.DeleteJob(context.JobDetail.Key, ct);
                return;
            }
        }
        if (!s.Active && kind == ScheduleTrigger.Cron) return;
        var spec = s.Spec;
        var zone = TimeZoneInfo.FindSystemTimeZoneById(s.Timezone);
        if (kind == ScheduleTrigger.Cron && ScheduleSpec.WaitForWindow(spec.Window, zone, clock.GetUtcNow()) is { } opens)
        {
            if (await ScheduleTriggers.DeferAsync(context.Scheduler, id, opens, scheduledFor, ct))
                await ScheduleRunStore.WaitingAsync(db, s, scheduledFor, clock.GetUtcNow(), $"Outside the window {spec.Window}; runs when it opens at {opens:yyyy-MM-dd HH:mm zzz}.", ct);
            return;
        }
        if (kind == ScheduleTrigger.Window && context.MergedJobDataMap.GetString("dueAt") is { } due) scheduledFor = DateTimeOffset.Parse(due, System.Globalization.CultureInfo.InvariantCulture);
        await RunAsync(db, scope.ServiceProvider.GetRequiredService<TemplateReader>(), runs, s, kind, scheduledFor, clock, ct);
    }

    /// <summary>Queues the export and records the run. Returns the run, or null when this tick already ran.</summary>
    public static async Task<ScheduleRun?> RunAsync(NpgsqlDataSource db, TemplateReader templates, TemplateRuns runs, ExportSchedule s, ScheduleTrigger kind, DateTimeOffset scheduledFor, TimeProvider clock, CancellationToken ct)
    {
        var template = await templates.FindAsync(s.TemplateId, ct);
        if (template is null) return await ScheduleRunStore.RefusedAsync(db, s, kind, scheduledFor, "The template no longer exists.", clock, ct);
        var spec = s.Spec;
        var node = System.Text.Json.Nodes.JsonNode.Parse(template.Request)!.AsObject();
        if (spec.Retry is { } r) node["retry"] = JsonSerializer.SerializeToNode(r, JsonSerializerOptions.Web);
        if (spec.Destinations is { } d && ScheduleRules.DestinationIds(d) is { Count: > 0 } ids)
            node["delivery"] = JsonSerializer.SerializeToNode(ExportDelivery.To(ids), JsonSerializerOptions.Web);
        var request = node.ToJsonString();
        var runId = Guid.CreateVersion7();
        var startedAt = clock.GetUtcNow();
        var (ok, refused) = await runs.RunAsync(s.OwnerId, template.Name, request, null, $"schedule:{s.Id:N}:{kind.Name()}:{scheduledFor.UtcTicks}", ct,
            recorded: async (conn, job, token) =>
            {
                // In the job's transaction: the run and its export appear together. A row this tick already has
                // (refused on an earlier attempt) takes the export.
                await using var cmd = new NpgsqlCommand("""
                    INSERT INTO schedule_runs (id, schedule_id, owner_id, export_id, trigger, scheduled_for, started_at, status)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued')
                    ON CONFLICT (schedule_id, scheduled_for, trigger) DO UPDATE SET export_id = EXCLUDED.export_id, status = 'queued', error = NULL
                    RETURNING id
                    """, conn);
                foreach (var v in new object[] { runId, s.Id, s.OwnerId, job.Id, kind.Name(), scheduledFor, startedAt }) cmd.Parameters.Add(new NpgsqlParameter { Value = v });
                runId = (Guid)(await cmd.ExecuteScalarAsync(token))!;
            });
        if (refused is not null) return await ScheduleRunStore.RefusedAsync(db, s, kind, scheduledFor, $"{refused.Title}. {refused.Detail}".Trim(), clock, ct);
        if (ok!.Replayed) return null;
        return await ScheduleRunStore.FindAsync(db, runId, ct);
    }
}
