using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Exports.Tests.Infrastructure;

/// <summary>
/// Every temporary file of a test process, and of the processes it starts (API nodes, node readers, LibreOffice,
/// sshd), goes under one folder, <c>/tmp/exports-tests-&lt;pid&gt;</c>: TMPDIR points there before any test runs, so
/// <c>Path.GetTempPath()</c>, <c>Directory.CreateTempSubdirectory</c> and child processes all use it. The folder is
/// deleted when the process exits, and a later run deletes the folders of test processes that were killed (a run
/// leaves 0.4-1 GB of node data, exports and clusters; many runs filled the disk).
/// </summary>
static class TestTemp
{
    const string Prefix = "exports-tests-";

    public static string Root { get; private set; } = "";

    [ModuleInitializer]
    internal static void Init()
    {
        var system = Path.GetTempPath();
        Sweep(system);
        Root = Path.Combine(system, $"{Prefix}{Environment.ProcessId}");
        Directory.CreateDirectory(Root);
        // As /tmp: the postgres user (initdb as root runs it as postgres) and any child may write here.
        File.SetUnixFileMode(Root, (UnixFileMode)Convert.ToInt32("1777", 8));
        Environment.SetEnvironmentVariable("TMPDIR", Root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Delete(Root);
    }

    /// <summary>Deletes the folders of test processes that are gone (killed, so their exit hook never ran).</summary>
    static void Sweep(string system)
    {
        foreach (var dir in Directory.EnumerateDirectories(system, Prefix + "*"))
        {
            if (!int.TryParse(Path.GetFileName(dir)[Prefix.Length..], out var pid) || pid == Environment.ProcessId) continue;
            if (Alive(pid)) continue;
            Delete(dir);
        }
    }

    static bool Alive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    static void Delete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); }
        catch (IOException) { /* in use or half gone: the next run's sweep */ }
        catch (UnauthorizedAccessException) { }
    }
}
