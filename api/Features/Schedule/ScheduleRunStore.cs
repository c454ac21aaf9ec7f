using Exports.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Exports.Features.Schedule;

/// <summary>A schedule's runs: rows of schedule_runs (EF Core), whose UNIQUE (schedule_id, scheduled_for, trigger)
/// makes each tick run once across nodes. Kept apart from the schedule documents (Marten): no file uses both.</summary>
static class ScheduleRunStore
{
    public static Task<ScheduleRun?> FindAsync(ExportsDb db, Guid id, CancellationToken ct) =>
        db.ScheduleRuns.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, ct);

    /// <summary>A schedule's latest runs, newest first.</summary>
    public static Task<List<ScheduleRun>> LatestAsync(ExportsDb db, Guid scheduleId, int limit, CancellationToken ct) =>
        db.ScheduleRuns.AsNoTracking().Where(r => r.ScheduleId == scheduleId).OrderByDescending(r => r.StartedAt).Take(limit).ToListAsync(ct);

    /// <summary>Records a refused run. A tick (cron or window) folds into the schedule's latest run when that is a
    /// refused tick too, so a quota that refuses every tick costs one row, not one per tick; "run now" always gets
    /// its own row (its caller is shown it).</summary>
    public static async Task<ScheduleRun?> RefusedAsync(ExportsDb db, ExportSchedule s, ScheduleTrigger kind, DateTimeOffset scheduledFor, string error, TimeProvider clock, CancellationToken ct)
    {
        if (kind != ScheduleTrigger.Manual)
        {
            Guid? folded = null;
            var conn = (NpgsqlConnection)db.Database.GetDbConnection();
            await db.Database.OpenConnectionAsync(ct);
            try
            {
                await using var cmd = new NpgsqlCommand("""
                    UPDATE schedule_runs r SET repeats = r.repeats + 1, last_scheduled_for = $2, error = $3
                    FROM (SELECT id, status, trigger FROM schedule_runs WHERE schedule_id = $1 ORDER BY started_at DESC, id DESC LIMIT 1) latest
                    WHERE r.id = latest.id AND latest.status = 'refused' AND latest.trigger <> 'manual'
                      AND r.scheduled_for <> $2 AND r.last_scheduled_for IS DISTINCT FROM $2
                    RETURNING r.id
                    """, conn);
                foreach (var v in new object[] { s.Id, scheduledFor, error }) cmd.Parameters.Add(new NpgsqlParameter { Value = v });
                folded = await cmd.ExecuteScalarAsync(ct) as Guid?;
            }
            finally { await db.Database.CloseConnectionAsync(); }
            if (folded is { } f) return await db.ScheduleRuns.AsNoTracking().FirstOrDefaultAsync(x => x.Id == f, ct);
        }
        var run = new ScheduleRun
        {
            Id = Guid.CreateVersion7(), ScheduleId = s.Id, OwnerId = s.OwnerId, Trigger = kind, ScheduledFor = scheduledFor,
            StartedAt = clock.GetUtcNow(), Status = ScheduleRunStatus.Refused, Error = error,
        };
        return await InsertOnceAsync(db, run, ct) ? run : null;
    }

    public static Task WaitingAsync(ExportsDb db, ExportSchedule s, DateTimeOffset scheduledFor, DateTimeOffset now, string message, CancellationToken ct) =>
        InsertOnceAsync(db, new ScheduleRun
        {
            Id = Guid.CreateVersion7(), ScheduleId = s.Id, OwnerId = s.OwnerId, Trigger = ScheduleTrigger.Cron, ScheduledFor = scheduledFor,
            StartedAt = now, Status = ScheduleRunStatus.Waiting, Error = message,
        }, ct);

    /// <summary>Inserts a run unless its tick already has one (a second firing of the same tick).</summary>
    static async Task<bool> InsertOnceAsync(ExportsDb db, ScheduleRun run, CancellationToken ct)
    {
        db.ScheduleRuns.Add(run);
        try { await db.SaveChangesAsync(ct); return true; }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: "23505" })
        {
            db.ChangeTracker.Clear();
            return false;
        }
    }
}
