using Exports.Data;
using Npgsql;

namespace Exports.Features.Schedule;

/// <summary>A schedule's runs: rows of schedule_runs read and written with plain Npgsql commands, whose UNIQUE
/// (schedule_id, scheduled_for, trigger) makes each tick run once across nodes. Triggers and statuses are stored by
/// their names (<see cref="ScheduleRunNames"/>).</summary>
static class ScheduleRunStore
{
    static string Columns(string table = "") =>
        string.Join(", ", new[] { "id", "schedule_id", "owner_id", "export_id", "trigger", "scheduled_for", "started_at", "status", "error", "repeats", "last_scheduled_for" }
            .Select(c => table + c));

    public static async Task<ScheduleRun?> FindAsync(NpgsqlDataSource db, Guid id, CancellationToken ct)
    {
        await using var cmd = Command(db, $"SELECT {Columns()} FROM schedule_runs WHERE id = $1", id);
        return (await ReadAsync(cmd, ct)).SingleOrDefault();
    }

    /// <summary>An owner's schedule's latest runs, newest first (the same start: the later id first).</summary>
    public static async Task<List<ScheduleRun>> LatestAsync(NpgsqlDataSource db, Guid owner, Guid scheduleId, int limit, CancellationToken ct)
    {
        await using var cmd = Command(db, $"""
            SELECT {Columns()} FROM schedule_runs WHERE schedule_id = $1 AND owner_id = $2
            ORDER BY started_at DESC, id DESC LIMIT $3
            """, scheduleId, owner, limit);
        return await ReadAsync(cmd, ct);
    }

    /// <summary>Records a refused run. A tick (cron or window) folds into the schedule's latest run when that is a
    /// refused tick too, so a quota that refuses every tick costs one row, not one per tick; "run now" always gets
    /// its own row (its caller is shown it). Returns null when this tick already has its row.</summary>
    public static async Task<ScheduleRun?> RefusedAsync(NpgsqlDataSource db, ExportSchedule s, ScheduleTrigger kind, DateTimeOffset scheduledFor, string error, TimeProvider clock, CancellationToken ct)
    {
        if (kind != ScheduleTrigger.Manual)
        {
            await using var fold = Command(db, $"""
                UPDATE schedule_runs r SET repeats = r.repeats + 1, last_scheduled_for = $2, error = $3
                FROM (SELECT id, status, trigger FROM schedule_runs WHERE schedule_id = $1 ORDER BY started_at DESC, id DESC LIMIT 1) latest
                WHERE r.id = latest.id AND latest.status = 'refused' AND latest.trigger <> 'manual'
                  AND r.scheduled_for <> $2 AND r.last_scheduled_for IS DISTINCT FROM $2
                RETURNING {Columns("r.")}
                """, s.Id, scheduledFor, error);
            if ((await ReadAsync(fold, ct)) is [var folded]) return folded;
        }
        var run = new ScheduleRun
        {
            Id = Guid.CreateVersion7(), ScheduleId = s.Id, OwnerId = s.OwnerId, Trigger = kind, ScheduledFor = scheduledFor,
            StartedAt = clock.GetUtcNow(), Status = ScheduleRunStatus.Refused, Error = error,
        };
        return await InsertOnceAsync(db, run, ct) ? run : null;
    }

    public static Task WaitingAsync(NpgsqlDataSource db, ExportSchedule s, DateTimeOffset scheduledFor, DateTimeOffset now, string message, CancellationToken ct) =>
        InsertOnceAsync(db, new ScheduleRun
        {
            Id = Guid.CreateVersion7(), ScheduleId = s.Id, OwnerId = s.OwnerId, Trigger = ScheduleTrigger.Cron, ScheduledFor = scheduledFor,
            StartedAt = now, Status = ScheduleRunStatus.Waiting, Error = message,
        }, ct);

    /// <summary>Inserts a run unless its tick already has one (a second firing of the same tick): false then.</summary>
    internal static async Task<bool> InsertOnceAsync(NpgsqlDataSource db, ScheduleRun run, CancellationToken ct)
    {
        await using var cmd = Command(db, $"""
            INSERT INTO schedule_runs ({Columns()}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            ON CONFLICT (schedule_id, scheduled_for, trigger) DO NOTHING
            """, run.Id, run.ScheduleId, run.OwnerId, run.ExportId, run.Trigger.Name(), run.ScheduledFor, run.StartedAt, run.Status.Name(),
            run.Error, run.Repeats, run.LastScheduledFor);
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    static NpgsqlCommand Command(NpgsqlDataSource db, string sql, params object?[] args)
    {
        var cmd = db.CreateCommand(sql);
        foreach (var v in args) cmd.Parameters.Add(new NpgsqlParameter { Value = v ?? DBNull.Value });
        return cmd;
    }

    static async Task<List<ScheduleRun>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var runs = new List<ScheduleRun>();
        while (await r.ReadAsync(ct))
            runs.Add(new ScheduleRun
            {
                Id = r.GetGuid(0), ScheduleId = r.GetGuid(1), OwnerId = r.GetGuid(2), ExportId = r.IsDBNull(3) ? null : r.GetGuid(3),
                Trigger = ScheduleRunNames.Trigger(r.GetString(4)), ScheduledFor = r.GetFieldValue<DateTimeOffset>(5),
                StartedAt = r.GetFieldValue<DateTimeOffset>(6), Status = ScheduleRunNames.Status(r.GetString(7)),
                Error = r.IsDBNull(8) ? null : r.GetString(8), Repeats = r.GetInt32(9),
                LastScheduledFor = r.IsDBNull(10) ? null : r.GetFieldValue<DateTimeOffset>(10),
            });
        return runs;
    }
}
