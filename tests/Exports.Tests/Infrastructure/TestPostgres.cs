using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Exports.Tests.Infrastructure;

/// <summary>A real PostgreSQL for the test run: EXPORTS_TEST_DB when set (npm test sets it), otherwise a
/// throwaway cluster made with the machine's initdb/pg_ctl under /var/tmp (run as `postgres` when we are root).</summary>
public static class TestPostgres
{
    static readonly Lazy<string> Server = new(Start);
    public static string ServerConnectionString => Server.Value;

    public static string Database(string name)
    {
        var b = new Npgsql.NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = "postgres", Pooling = false };
        using (var conn = new Npgsql.NpgsqlConnection(b.ConnectionString))
        {
            conn.Open();
            using var drop = new Npgsql.NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", conn);
            drop.ExecuteNonQuery();
            using var create = new Npgsql.NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
            create.ExecuteNonQuery();
        }
        return new Npgsql.NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = name, Pooling = true, MaxPoolSize = 60 }.ConnectionString;
    }

    static string Start()
    {
        if (Environment.GetEnvironmentVariable("EXPORTS_TEST_DB") is { Length: > 0 } given) return given;
        var root = Environment.UserName == "root";
        var bin = Directory.Exists("/usr/lib/postgresql/15/bin") ? "/usr/lib/postgresql/15/bin" : "/usr/local/bin";
        SweepAbandoned(root, bin);
        var dir = Path.Combine("/var/tmp", $"exports-test-pg-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        if (root) Run("chown", "postgres:postgres", dir);
        var port = TestPorts.Free();
        AsPg(root, $"{bin}/initdb", "-D", dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8");
        AsPg(root, $"{bin}/pg_ctl", "start", "-D", dir, "-w", "-l", Path.Combine(dir, "log"), "-o",
            $"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { AsPg(root, $"{bin}/pg_ctl", "stop", "-D", dir, "-m", "immediate"); Directory.Delete(dir, true); } catch { /* best effort */ }
        };
        return $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres";
    }

    /// <summary>A test process that was killed leaves its cluster behind (about 1 GB each): stop and delete the
    /// clusters whose test process is gone, so repeated interrupted runs cannot fill the disk.</summary>
    static void SweepAbandoned(bool root, string bin)
    {
        foreach (var old in Directory.EnumerateDirectories("/var/tmp", "exports-test-pg-*"))
        {
            if (!int.TryParse(Path.GetFileName(old)["exports-test-pg-".Length..], out var pid) || pid == Environment.ProcessId) continue;
            try { using var p = Process.GetProcessById(pid); if (!p.HasExited) continue; } catch (ArgumentException) { /* gone */ }
            try
            {
                if (File.Exists(Path.Combine(old, "postmaster.pid"))) AsPg(root, $"{bin}/pg_ctl", "stop", "-D", old, "-m", "immediate");
            }
            catch (InvalidOperationException) { /* not running */ }
            try { Directory.Delete(old, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    static void AsPg(bool root, string file, params string[] args) =>
        Run(root ? "runuser" : file, root ? ["-u", "postgres", "--", file, .. args] : args);

    static void Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {output}{err.Result}");
    }
}
