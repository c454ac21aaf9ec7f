using System.Diagnostics;
using System.Net.Http.Headers;

namespace Exports.Tests.Infrastructure;

/// <summary>The API as a separate process on a database of the test's choosing (as ClusterRecoveryTests run their
/// nodes), so a test can SIGKILL it or run a second node beside the fixture; its output goes to a log file the test
/// can read (<see cref="ReadLog"/>).</summary>
public sealed class NodeProcess : IDisposable
{
    public Process Process { get; }
    public int Port { get; }
    public string Log { get; }

    NodeProcess(Process process, int port, string log) { Process = process; Port = port; Log = log; }

    public static NodeProcess Start(string connectionString, string dataDir, Dictionary<string, string>? env = null)
    {
        var port = TestPorts.Free();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Exports.Api.dll"));
        psi.Environment["EXPORTS_DB"] = connectionString;
        psi.Environment["EXPORTS_PORT"] = port.ToString();
        psi.Environment["EXPORTS_DATA_DIR"] = dataDir;
        psi.Environment["EXPORTS_SEED"] = "false";
        psi.Environment["EXPORTS_DURABILITY_POLL_MS"] = "250";
        psi.Environment["EXPORTS_NODE_STALE_MS"] = "3000";
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        psi.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (k, v) in env ?? []) psi.Environment[k] = v;
        var log = Path.Combine(dataDir, $"node-{port}.log");
        var p = Process.Start(psi)!;
        var writer = TextWriter.Synchronized(new StreamWriter(log) { AutoFlush = true });
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) writer.WriteLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) writer.WriteLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return new NodeProcess(p, port, log);
    }

    /// <param name="apiKey">Sent as the bearer token; none for a client that brings its own credential (a stream token).</param>
    public HttpClient Client(string? apiKey = null)
    {
        var c = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Port}"), Timeout = TimeSpan.FromMinutes(2) };
        if (apiKey is not null) c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return c;
    }

    public async Task HealthyAsync()
    {
        using var c = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Port}") };
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            Assert.False(Process.HasExited, $"Node on {Port} exited: {ReadLog()}");
            try { if ((await c.GetAsync("/health")).IsSuccessStatusCode) return; } catch (HttpRequestException) { }
            Assert.True(DateTime.UtcNow < deadline, "Node did not become healthy.");
            await Task.Delay(200);
        }
    }

    /// <summary>Everything the node wrote so far (read while it may still be writing).</summary>
    public string ReadLog()
    {
        using var s = new FileStream(Log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(s).ReadToEnd();
    }

    public void Dispose() { try { Process.Kill(entireProcessTree: true); Process.WaitForExit(5000); } catch (InvalidOperationException) { } }
}
