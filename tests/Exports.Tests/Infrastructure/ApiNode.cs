using System.Diagnostics;

namespace Exports.Tests.Infrastructure;

/// <summary>A second API process on loopback over the fixture's database (as ClusterRecoveryTests start theirs), its
/// standard output and error kept in a log file the test can read.</summary>
public sealed class ApiNode(Process process, int port, string log) : IDisposable
{
    public Process Process => process;
    public int Port => port;

    public static ApiNode Start(string connectionString, string dataDir, Dictionary<string, string>? env = null)
    {
        var port = TestPorts.Free();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Exports.Api.dll"));
        psi.Environment["EXPORTS_DB"] = connectionString;
        psi.Environment["EXPORTS_PORT"] = port.ToString();
        psi.Environment["EXPORTS_DATA_DIR"] = dataDir;
        psi.Environment["EXPORTS_SEED"] = "false";
        psi.Environment["EXPORTS_SCHEDULER_NAME"] = $"live-node-{port}";
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        psi.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (k, v) in env ?? []) psi.Environment[k] = v;
        var file = Path.Combine(dataDir, $"node-{port}.log");
        var p = Process.Start(psi)!;
        var writer = TextWriter.Synchronized(new StreamWriter(file) { AutoFlush = true });
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) writer.WriteLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) writer.WriteLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return new ApiNode(p, port, file);
    }

    public HttpClient Client() => new() { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(2) };

    public async Task HealthyAsync()
    {
        using var c = Client();
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            Assert.False(process.HasExited, $"Node on {port} exited: {ReadLog()}");
            try { if ((await c.GetAsync("/health")).IsSuccessStatusCode) return; } catch (HttpRequestException) { }
            Assert.True(DateTime.UtcNow < deadline, "Node did not become healthy.");
            await Task.Delay(200);
        }
    }

    /// <summary>Everything the node wrote so far (read while it may still be writing).</summary>
    public string ReadLog()
    {
        using var s = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(s).ReadToEnd();
    }

    public void Dispose() { try { process.Kill(entireProcessTree: true); process.WaitForExit(5000); } catch (InvalidOperationException) { } }
}
