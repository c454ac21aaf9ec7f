using System.Diagnostics;
using Exports.Data;
using Exports.Tests.Infrastructure;
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
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = await p.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await p.WaitForExitAsync(timeout.Token);
            await stdout;
            Assert.True(p.ExitCode == 3, $"exit {p.ExitCode}: {stderr}");
            Assert.Contains("Database migration 20261122000001_Initial failed and was rolled back", stderr);
            Assert.Contains("\"users\" already exists", stderr);
            Assert.Empty(await HistoryAsync(db));
            Assert.False(await ExistsAsync(db, "api_keys"));
        }
        finally { Directory.Delete(dir, recursive: true); }
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
