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
    ];

    public static Task<IReadOnlyList<string>> RunAsync(NpgsqlDataSource db, ILogger log, CancellationToken ct) => RunAsync(db, All, log, ct);

    /// <summary>Applies the migrations of <paramref name="migrations"/> the history does not hold, in order; returns
    /// the ids it applied. Throws <see cref="MigrationFailedException"/> at the first that fails.</summary>
    public static async Task<IReadOnlyList<string>> RunAsync(NpgsqlDataSource db, IReadOnlyList<Migration> migrations, ILogger log, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await ExecAsync(conn, "SELECT pg_advisory_lock($1)", ct, LockKey);
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
            // Also released when the session ends; unlocked here so the pooled connection goes back without it.
            try { await ExecAsync(conn, "SELECT pg_advisory_unlock($1)", CancellationToken.None, LockKey); }
            catch (NpgsqlException) { /* a broken connection: its session ended, and the lock with it */ }
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
