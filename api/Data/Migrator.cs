using Npgsql;

namespace Exports.Data;

/// <summary>One schema change: its id (the name EF Core's migration had, so that history rows written by an older
/// version match) and its SQL, run as one command inside the migration's own transaction.</summary>
public sealed record Migration(string Id, string Sql);

/// <summary>A migration's SQL failed: its transaction rolled back (none of its changes and no history row were kept)
/// and the migrations after it did not run.</summary>
public sealed class MigrationFailedException(string id, Exception inner)
    : Exception($"Database migration {id} failed and was rolled back; nothing of it was applied and the server does not start on a half-migrated schema. {inner.Message}", inner)
{
    public string MigrationId => id;
}

/// <summary>
/// Applies the schema migrations in order, each once: every migration in its own transaction together with its history
/// row, under a PostgreSQL advisory lock so that nodes starting together wait for each other instead of racing. The
/// history is EF Core's old table (<c>__EFMigrationsHistory</c>: MigrationId, ProductVersion), made here when missing,
/// so a database an older version migrated with EF upgrades in place and nothing runs twice.
/// </summary>
public static class Migrator
{
    public const string History = "__EFMigrationsHistory";
    /// <summary>What the history's ProductVersion column says for a row this runner wrote (EF wrote its own version).</summary>
    public const string ProductVersion = "exports-migrator";
    /// <summary>The session-level advisory lock every runner takes first (0x45585052544d4947: "EXPRTMIG").</summary>
    public const long LockKey = 0x45585052544d4947;
    /// <summary>How often a runner that found the lock held asks again (another node is migrating).</summary>
    public static readonly TimeSpan LockPoll = TimeSpan.FromMilliseconds(250);
    /// <summary>How long one statement of a migration waits for a table lock (<c>SET LOCAL lock_timeout</c>) before
    /// the migration fails. A migration's ALTER TABLE waits behind a long reader, and while it waits every later reader
    /// of that table queues behind it: with this limit a blocked migration fails clearly (exit 3, its id, "lock
    /// timeout"), rolls back and lets the readers through, instead of stalling the table for as long as the reader runs.
    /// It bounds the wait for a lock, not the work: a migration that rewrites a large table still takes its time.</summary>
    public const int LockTimeoutSeconds = 60;

    /// <summary>Every migration, oldest first (ordered by id, as EF Core applied them).</summary>
    public static readonly IReadOnlyList<Migration> All =
    [
        Migrations.Initial.Step,
        Migrations.Visuals.Step,
        Migrations.Jobs.Step,
        Migrations.Schedules.Step,
        Migrations.Delivery.Step,
        Migrations.JobsHardening.Step,
        Migrations.RollupSums.Step,
        Migrations.JobApproximation.Step,
        Migrations.DirectDownloads.Step,
        Migrations.LeasesAndClusters.Step,
        Migrations.ResultCache.Step,
        Migrations.LiveLog.Step,
        Migrations.Sinks.Step,
        Migrations.LiveWatchers.Step,
    ];

    public static Task<IReadOnlyList<string>> RunAsync(NpgsqlDataSource db, ILogger log, CancellationToken ct) => RunAsync(db, All, log, ct);

    /// <summary>Applies the migrations of <paramref name="migrations"/> the history does not hold, in order; returns
    /// the ids it applied. Throws <see cref="MigrationFailedException"/> at the first that fails.</summary>
    public static async Task<IReadOnlyList<string>> RunAsync(NpgsqlDataSource db, IReadOnlyList<Migration> migrations, ILogger log, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await LockAsync(conn, log, ct);
        try
        {
            await ExecAsync(conn, $"""
                CREATE TABLE IF NOT EXISTS "{History}" (
                    "MigrationId" character varying(150) NOT NULL,
                    "ProductVersion" character varying(32) NOT NULL,
                    CONSTRAINT "PK_{History}" PRIMARY KEY ("MigrationId"))
                """, ct);
            var done = new HashSet<string>(StringComparer.Ordinal);
            await using (var read = new NpgsqlCommand($"""SELECT "MigrationId" FROM "{History}" """, conn))
            await using (var r = await read.ExecuteReaderAsync(ct))
                while (await r.ReadAsync(ct)) done.Add(r.GetString(0));
            var applied = new List<string>();
            foreach (var m in migrations)
            {
                if (done.Contains(m.Id)) continue;
                await using (var tx = await conn.BeginTransactionAsync(ct))
                {
                    try
                    {
                        // Transaction-scoped: it ends with the commit or rollback and never leaks into the pooled session.
                        await ExecAsync(conn, $"SET LOCAL lock_timeout = '{LockTimeoutSeconds}s'", ct);
                        await ExecAsync(conn, m.Sql, ct);
                        await ExecAsync(conn, $"""INSERT INTO "{History}" ("MigrationId", "ProductVersion") VALUES ($1, $2)""", ct, m.Id, ProductVersion);
                        await tx.CommitAsync(ct);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        // Disposing the transaction rolls it back: the migration's SQL and its history row go together.
                        log.LogCritical(e, "Database migration {Id} failed and was rolled back", m.Id);
                        throw new MigrationFailedException(m.Id, e);
                    }
                }
                log.LogInformation("Applied database migration {Id}", m.Id);
                applied.Add(m.Id);
            }
            return applied;
        }
        finally
        {
            // Also released when the session ends; unlocked here so the pooled connection goes back without it. A
            // broken connection's session has ended and the lock with it: nothing to unlock, and no exception from
            // here may replace the one in flight (a MigrationFailedException names the migration and sets exit code 3).
            if (conn.State == System.Data.ConnectionState.Open)
            {
                try { await ExecAsync(conn, "SELECT pg_advisory_unlock($1)", CancellationToken.None, LockKey); }
                catch (Exception e) { log.LogWarning(e, "Releasing the database migration lock failed; it ends with the session"); }
            }
        }
    }

    /// <summary>Takes the advisory lock, asking again every <see cref="LockPoll"/> while another node holds it (and
    /// saying so once), so a wait is visible in the log and cancellable, not a silent block in the server.</summary>
    static async Task LockAsync(NpgsqlConnection conn, ILogger log, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = LockKey });
        var said = false;
        while (!(bool)(await cmd.ExecuteScalarAsync(ct))!)
        {
            if (!said) log.LogInformation("Waiting for another node's database migration (advisory lock {Key} is held)", LockKey);
            said = true;
            await Task.Delay(LockPoll, ct);
        }
    }

    static async Task ExecAsync(NpgsqlConnection conn, string sql, CancellationToken ct, params object[] args)
    {
        // No command timeout: a migration that rewrites a large table (RollupSums) takes as long as it takes.
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        foreach (var a in args) cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
