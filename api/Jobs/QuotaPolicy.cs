using Exports.Host;
using Npgsql;

namespace Exports.Jobs;

/// <summary>An owner's use of the quotas at one moment: jobs queued or running (direct downloads aside), submissions
/// in the last hour (from the ledger, with the oldest one's time), and bytes of finished exports stored.</summary>
public sealed record QuotaUsage(long Running, long LastHour, DateTimeOffset? OldestInHour, long StoredBytes);

/// <summary>The owner quotas (EXPORTS_QUOTA_*): exports per hour (429, with when the next may start), running jobs
/// (429) and stored bytes (409). Pure: the submit handler reads the usage (<see cref="QuotaLedger"/>) under the
/// owner's lock and asks here.</summary>
public sealed record QuotaPolicy(int PerHour, int Concurrent, long StoredBytes)
{
    public static QuotaPolicy From(JobSettings s) => new(s.QuotaPerHour, s.QuotaConcurrent, s.QuotaStoredBytes);

    /// <summary>Why a new job may not start now, or null: the hourly quota first, then running jobs, then storage.</summary>
    public Refusal? Check(QuotaUsage u, DateTimeOffset now)
    {
        if (Hourly(u.LastHour, u.OldestInHour, now) is { } hourly) return hourly;
        if (u.Running >= Concurrent)
            return new Refusal(429, "Too many exports running",
                $"You have {u.Running} exports queued or running (the limit is {Concurrent}); start this one when one finishes, or cancel one.",
                RetryAfter: TimeSpan.FromSeconds(10));
        if (u.StoredBytes >= StoredBytes)
            return new Refusal(409, "Storage quota reached",
                $"Your finished exports take {u.StoredBytes:N0} bytes of your {StoredBytes:N0}; delete some, or wait for them to expire.");
        return null;
    }

    /// <summary>The hourly quota alone (direct downloads count in it but hold no queue place and store nothing): the
    /// next start is allowed an hour after the oldest submission of the last hour.</summary>
    public Refusal? Hourly(long lastHour, DateTimeOffset? oldest, DateTimeOffset now)
    {
        if (lastHour < PerHour) return null;
        var wait = (oldest ?? now).AddHours(1) - now;
        return new Refusal(429, "Too many exports this hour",
            $"You may start {PerHour} exports an hour (EXPORTS_QUOTA_PER_HOUR), counted when they start: deleting history does not give them back. The next one can start in {Math.Ceiling(wait.TotalMinutes)} min (Retry-After).",
            RetryAfter: wait < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait);
    }
}

/// <summary>Reads an owner's quota usage: the submission ledger (which deleting history does not touch) and the jobs.</summary>
public static class QuotaLedger
{
    /// <summary>The statements that read the usage on the submit handler's connection, under its per-owner lock (the
    /// caller sends them in its batch, after the lock): the usage (read its row with <see cref="ReadUsage"/>), then the
    /// owner's ledger pruned to the last hour (the usage counts the last hour only, so the order does not matter).</summary>
    public static NpgsqlBatchCommand[] Commands(Guid owner, DateTimeOffset now)
    {
        var prune = new NpgsqlBatchCommand("DELETE FROM export_submissions WHERE owner_id = $1 AND submitted_at <= $2");
        var usage = new NpgsqlBatchCommand("""
            SELECT (SELECT count(*) FROM export_jobs WHERE owner_id = $1 AND status IN ('pending', 'processing') AND NOT direct),
                   l.n, l.oldest,
                   (SELECT coalesce(sum(size_bytes), 0)::bigint FROM export_jobs WHERE owner_id = $1 AND status = 'completed')
            FROM (SELECT count(*) AS n, min(submitted_at) AS oldest FROM export_submissions WHERE owner_id = $1 AND submitted_at > $2) l
            """);
        foreach (var c in new[] { usage, prune })
        {
            c.Parameters.Add(new NpgsqlParameter { Value = owner });
            c.Parameters.Add(new NpgsqlParameter { Value = now.AddHours(-1) });
        }
        return [usage, prune];
    }

    /// <summary>The usage from the current row of the usage statement of <see cref="Commands"/>.</summary>
    public static QuotaUsage ReadUsage(NpgsqlDataReader r) =>
        new(r.GetInt64(0), r.GetInt64(1), r.IsDBNull(2) ? null : r.GetFieldValue<DateTimeOffset>(2), r.GetInt64(3));

    /// <summary>Submissions in the last hour and the oldest one's time.</summary>
    public static async Task<(long Count, DateTimeOffset? Oldest)> LastHourAsync(NpgsqlDataSource db, Guid owner, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT count(*), min(submitted_at) FROM export_submissions WHERE owner_id = $1 AND submitted_at > $2");
        cmd.Parameters.Add(new NpgsqlParameter { Value = owner });
        cmd.Parameters.Add(new NpgsqlParameter { Value = now.AddHours(-1) });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return (r.GetInt64(0), r.IsDBNull(1) ? null : r.GetFieldValue<DateTimeOffset>(1));
    }
}
