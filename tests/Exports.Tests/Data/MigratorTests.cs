using System.Diagnostics;
using Exports.Data;
using Exports.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Exports.Tests.Data;

/// <summary>The schema runner: every migration once and in order, on EF Core's old history table, one runner at a time,
/// and a failing migration leaves nothing of itself behind.</summary>
public sealed class MigratorTests
{
    static readonly string[] Ids = Migrator.All.Select(m => m.Id).ToArray();

    /// <summary>The history table as EF Core's PostgreSQL provider made it (its create script), and a row as it wrote one.</summary>
    const string EfHistory = """
        CREATE TABLE IF NOT EXISTS "__EFMigrationsHistory" (
            "MigrationId" character varying(150) NOT NULL,
            "ProductVersion" character varying(32) NOT NULL,
            CONSTRAINT "PK___EFMigrationsHistory" PRIMARY KEY ("MigrationId")
        );
        """;

    [Fact]
    public void Migrations_AreInTheOrderEfAppliedThem_WithTheirOldIds()
    {
        Assert.Equal(Ids.Order(StringComparer.Ordinal), Ids);
        Assert.Equal(Ids.Length, Ids.Distinct().Count());
        Assert.Equal("20261122000001_Initial", Ids[0]);
        Assert.Contains("20261130000010_LeasesAndClusters", Ids);
    }

    [Fact]
    public void EveryMigrationStep_InTheMigrationsNamespace_IsInTheList()
    {
        // A new file in Data/Migrations that nobody added to Migrator.All would never run: find them all by reflection.
        var types = typeof(Migrator).Assembly.GetTypes()
            .Where(t => t.Namespace == "Exports.Data.Migrations" && !t.IsNested && !Attribute.IsDefined(t, typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute)))
            .ToList();
        Assert.NotEmpty(types);
        var steps = new List<Migration>();
        foreach (var t in types)
        {
            var fields = t.GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)
                .Where(f => f.FieldType == typeof(Migration)).ToList();
            Assert.True(fields.Count > 0, $"{t.FullName} is in the migrations' namespace but holds no Migration");
            steps.AddRange(fields.Select(f => (Migration)f.GetValue(null)!));
        }
        foreach (var step in steps) Assert.True(Migrator.All.Contains(step), $"Migration {step.Id} is not in Migrator.All");
        Assert.Equal(steps.Count, Migrator.All.Count);
    }

    [Fact]
    public async Task ARunnerThatFindsTheLockHeld_SaysItWaits_AndRunsWhenItIsReleased()
    {
        var cs = TestPostgres.Database("exports_migrator_wait");
        await using var db = NpgsqlDataSource.Create(cs);
        await using var other = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(cs) { Pooling = false }.ConnectionString);
        await other.OpenAsync();
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock($1)", other) { Parameters = { new() { Value = Migrator.LockKey } } })
            await take.ExecuteNonQueryAsync();
        var log = new ListLogger();
        var one = new Migration("20990101000001_One", "CREATE TABLE waited (x int);");
        var run = Migrator.RunAsync(db, [one], log, CancellationToken.None);

        var until = DateTime.UtcNow.AddSeconds(30);
        while (!log.Lines.Any(l => l.Contains("Waiting for another node's database migration")) && DateTime.UtcNow < until) await Task.Delay(50);
        Assert.Single(log.Lines, l => l.Contains("Waiting for another node's database migration"));
        await Task.Delay(Migrator.LockPoll * 3);
        Assert.False(run.IsCompleted);
        Assert.False(await ExistsAsync(db, "waited"));
        // Still waiting after several polls, it says so only once.
        Assert.Single(log.Lines, l => l.Contains("Waiting for another node's database migration"));

        await using (var release = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", other) { Parameters = { new() { Value = Migrator.LockKey } } })
            Assert.True((bool)(await release.ExecuteScalarAsync())!);
        Assert.Equal([one.Id], await run.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(await ExistsAsync(db, "waited"));
    }

    [Fact]
    public async Task AWaitingRunner_StopsWhenCancelled_AndAppliesNothing()
    {
        var cs = TestPostgres.Database("exports_migrator_wait_cancel");
        await using var db = NpgsqlDataSource.Create(cs);
        await using var other = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(cs) { Pooling = false }.ConnectionString);
        await other.OpenAsync();
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock($1)", other) { Parameters = { new() { Value = Migrator.LockKey } } })
            await take.ExecuteNonQueryAsync();
        using var cancel = new CancellationTokenSource(Migrator.LockPoll * 3);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Migrator.RunAsync(db, [new Migration("20990101000001_One", "CREATE TABLE never (x int);")], NullLogger.Instance, cancel.Token));
        Assert.False(await ExistsAsync(db, "never"));
    }

    [Fact]
    public async Task EachMigration_RunsWithALockTimeout()
    {
        await using var db = NpgsqlDataSource.Create(TestPostgres.Database("exports_migrator_lock_timeout"));
        var probe = new Migration("20990101000001_Probe", "CREATE TABLE probe AS SELECT current_setting('lock_timeout') AS inside;");
        Assert.Equal([probe.Id], await Migrator.RunAsync(db, [probe], NullLogger.Instance, CancellationToken.None));
        Assert.True(await ScalarAsync<bool>(db, "SELECT inside::interval = make_interval(secs => $1) FROM probe", (double)Migrator.LockTimeoutSeconds));
        Assert.Equal(60, Migrator.LockTimeoutSeconds);
    }

    [Fact]
    public async Task AMigrationThatBreaksTheConnection_StillFailsAsThatMigration()
    {
        var cs = TestPostgres.Database("exports_migrator_broken_conn");
        await using var db = NpgsqlDataSource.Create(cs);
        // The migration's session is killed under it: the finally block must not try to unlock on the dead connection
        // and replace the MigrationFailedException (exit code 3 and the id) with "connection is not open".
        var killer = new Migration("20990101000001_Killer", "CREATE TABLE k (x int); SELECT pg_terminate_backend(pg_backend_pid());");
        var e = await Assert.ThrowsAsync<MigrationFailedException>(() => Migrator.RunAsync(db, [killer], NullLogger.Instance, CancellationToken.None));
        Assert.Equal(killer.Id, e.MigrationId);
        Assert.False(await ExistsAsync(db, "k"));
        // Its session ended, and the lock with it.
        await using var other = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(cs) { Pooling = false }.ConnectionString);
        Assert.True(await ScalarAsync<bool>(other, "SELECT pg_try_advisory_lock($1) AND pg_advisory_unlock($1)", Migrator.LockKey));
    }

    [Fact]
    public async Task FreshDatabase_GetsEveryMigrationOnce_AndASecondRunNothing()
    {
        await using var db = NpgsqlDataSource.Create(TestPostgres.Database("exports_migrator_fresh"));
        Assert.Equal(Ids, await Migrator.RunAsync(db, NullLogger.Instance, CancellationToken.None));
        Assert.Equal(Ids.Select(id => (id, Migrator.ProductVersion)), await HistoryAsync(db));
        // The last migration's columns and the function of the seventh are there.
        Assert.Equal(1L, await ScalarAsync<long>(db, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'export_jobs' AND column_name = 'cluster'"));
        Assert.Equal(double.PositiveInfinity, await ScalarAsync<double>(db, "SELECT exports_float8(1e309::numeric)"));

        Assert.Empty(await Migrator.RunAsync(db, NullLogger.Instance, CancellationToken.None));
        Assert.Equal(Ids.Length, (await HistoryAsync(db)).Count);
    }

    [Fact]
    public async Task DatabaseEfMigratedPartWay_GetsTheRest_AndKeepsEfsRows()
    {
        await using var db = NpgsqlDataSource.Create(TestPostgres.Database("exports_migrator_partway"));
        const int k = 6;
        await ExecAsync(db, EfHistory);
        foreach (var m in Migrator.All.Take(k))
        {
            await ExecAsync(db, m.Sql);
            await ExecAsync(db, """INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion") VALUES ($1, '10.0.3')""", m.Id);
        }
        await ExecAsync(db, "INSERT INTO users (id, email, name, password_hash, created_at) VALUES ('00000000-0000-0000-0000-000000000001', 'a@b.c', 'A', 'x', now())");

        Assert.Equal(Ids[k..], await Migrator.RunAsync(db, NullLogger.Instance, CancellationToken.None));
        Assert.Equal(Ids[..k].Select(id => (id, "10.0.3")).Concat(Ids[k..].Select(id => (id, Migrator.ProductVersion))), await HistoryAsync(db));
        Assert.Equal("numeric", await ScalarAsync<string>(db, "SELECT data_type FROM information_schema.columns WHERE table_name = 'rollup_hourly' AND column_name = 'sum'"));
        Assert.Equal(1L, await ScalarAsync<long>(db, "SELECT count(*) FROM users"));
    }

    [Fact]
    public async Task TwoRunnersAtOnce_ApplyEachMigrationOnce_AndNeitherFails()
    {
        await using var db = NpgsqlDataSource.Create(TestPostgres.Database("exports_migrator_race"));
        using var go = new Barrier(2);
        var runs = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            go.SignalAndWait();
            return await Migrator.RunAsync(db, NullLogger.Instance, CancellationToken.None);
        })).ToArray();
        var applied = await Task.WhenAll(runs);
        // One applied everything, the other waited on the lock and found nothing left (without the lock one of them
        // fails on "relation users already exists" or on the history's primary key).
        Assert.Equal(Ids, applied.SelectMany(a => a).Order(StringComparer.Ordinal));
        Assert.Contains(applied, a => a.Count == 0);
        Assert.Equal(Ids.Length, (await HistoryAsync(db)).Count);
    }

    [Fact]
    public async Task FailingMigration_RollsBackItsSqlAndHistoryRow_AndStopsThere()
    {
        var cs = TestPostgres.Database("exports_migrator_failing");
        await using var db = NpgsqlDataSource.Create(cs);
        var first = new Migration("20990101000001_First", "CREATE TABLE t1 (x int);");
        var broken = new Migration("20990101000002_Broken", "CREATE TABLE t2 (x int); INSERT INTO t2 VALUES (1); SELECT 1 / 0;");
        var third = new Migration("20990101000003_Third", "CREATE TABLE t3 (x int);");

        var e = await Assert.ThrowsAsync<MigrationFailedException>(() => Migrator.RunAsync(db, [first, broken, third], NullLogger.Instance, CancellationToken.None));
        Assert.Equal(broken.Id, e.MigrationId);
        Assert.Contains("Database migration 20990101000002_Broken failed and was rolled back", e.Message);
        Assert.Contains("division by zero", e.Message);
        Assert.Equal([(first.Id, Migrator.ProductVersion)], await HistoryAsync(db));
        Assert.Equal((true, false, false), (await ExistsAsync(db, "t1"), await ExistsAsync(db, "t2"), await ExistsAsync(db, "t3")));
        // The failing run released the lock at once (not only when its pooled connection is closed some day): a
        // session of its own (no pool) takes it now, before the next run could have taken and freed it.
        await using (var free = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(cs) { Pooling = false }.ConnectionString))
            Assert.True(await ScalarAsync<bool>(free, "SELECT pg_try_advisory_lock($1) AND pg_advisory_unlock($1)", Migrator.LockKey));

        // Fixed, the next start applies it and what follows, and nothing twice.
        var fixedOne = broken with { Sql = "CREATE TABLE t2 (x int);" };
        Assert.Equal([fixedOne.Id, third.Id], await Migrator.RunAsync(db, [first, fixedOne, third], NullLogger.Instance, CancellationToken.None));
        Assert.Equal((true, true, true), (await ExistsAsync(db, "t1"), await ExistsAsync(db, "t2"), await ExistsAsync(db, "t3")));
        // The lock was released after the failure: another session (a connection of its own) takes it at once.
        await using var other = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(cs) { Pooling = false }.ConnectionString);
        Assert.True(await ScalarAsync<bool>(other, "SELECT pg_try_advisory_lock($1) AND pg_advisory_unlock($1)", Migrator.LockKey));
    }

    [Fact]
    public async Task ServerStart_OnAMigrationThatFails_StopsWithTheMigrationNamed_AndKeepsNothingOfIt()
    {
        var cs = TestPostgres.Database("exports_migrator_start");
        await using var db = NpgsqlDataSource.Create(cs);
        // A table in the way of the first migration (made by hand, not by a migration).
        await ExecAsync(db, "CREATE TABLE users (id int)");
        var dir = Directory.CreateTempSubdirectory("migrator-start-").FullName;
        try
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Exports.Api.dll"));
            psi.Environment["EXPORTS_DB"] = cs;
            psi.Environment["EXPORTS_DATA_DIR"] = dir;
            using var p = Process.Start(psi)!;
            // Both pipes read while waiting (a full pipe would block the server), and a server that hangs is killed
            // so it cannot hang the suite.
            var stdoutRead = p.StandardOutput.ReadToEndAsync();
            var stderrRead = p.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            try { await p.WaitForExitAsync(timeout.Token); }
            catch (OperationCanceledException)
            {
                p.Kill(entireProcessTree: true);
                await p.WaitForExitAsync();
                Assert.Fail($"The server did not exit within 2 minutes; killed. stderr: {await stderrRead}");
            }
            await stdoutRead;
            var stderr = await stderrRead;
            Assert.True(p.ExitCode == 3, $"exit {p.ExitCode}: {stderr}");
            Assert.Contains("Database migration 20261122000001_Initial failed and was rolled back", stderr);
            Assert.Contains("\"users\" already exists", stderr);
            Assert.Empty(await HistoryAsync(db));
            Assert.False(await ExistsAsync(db, "api_keys"));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    sealed class ListLogger : ILogger
    {
        readonly List<string> lines = [];
        public IReadOnlyList<string> Lines { get { lock (lines) return lines.ToList(); } }
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (lines) lines.Add(formatter(state, exception));
        }
    }

    static async Task<List<(string, string)>> HistoryAsync(NpgsqlDataSource db)
    {
        await using var cmd = db.CreateCommand("""SELECT "MigrationId", "ProductVersion" FROM "__EFMigrationsHistory" ORDER BY "MigrationId" """);
        await using var r = await cmd.ExecuteReaderAsync();
        var rows = new List<(string, string)>();
        while (await r.ReadAsync()) rows.Add((r.GetString(0), r.GetString(1)));
        return rows;
    }

    static Task<bool> ExistsAsync(NpgsqlDataSource db, string table) => ScalarAsync<bool>(db, "SELECT to_regclass($1) IS NOT NULL", "public." + table);

    static async Task<T> ScalarAsync<T>(NpgsqlDataSource db, string sql, params object[] args)
    {
        await using var cmd = db.CreateCommand(sql);
        foreach (var a in args) cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    static async Task ExecAsync(NpgsqlDataSource db, string sql, params object[] args)
    {
        await using var cmd = db.CreateCommand(sql);
        foreach (var a in args) cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        await cmd.ExecuteNonQueryAsync();
    }
}
