using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Exports.Tests.Infrastructure;

/// <summary>A real S3-compatible server for the tests: npm's s3rver on loopback, in a throwaway folder, started once
/// for the classes that use it and killed at the end.</summary>
public sealed class S3Server : IAsyncLifetime
{
    public const string AccessKey = "S3RVER", SecretKey = "S3RVER";
    Process? _process;
    string _dir = "";
    public string Endpoint { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        _dir = Directory.CreateTempSubdirectory("exports-s3rver-").FullName;
        var psi = new ProcessStartInfo("node") { WorkingDirectory = NodeReaders.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(NodeReaders.Root, "node_modules", "s3rver", "bin", "s3rver.js"), "-d", _dir, "-a", "127.0.0.1", "-p", port.ToString(), "-s" })
            psi.ArgumentList.Add(a);
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Endpoint = $"http://127.0.0.1:{port}";
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var c = new TcpClient();
                await c.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited) { await Task.Delay(100); }
        }
    }

    public Task DisposeAsync()
    {
        try { _process?.Kill(entireProcessTree: true); _process?.WaitForExit(5000); } catch (InvalidOperationException) { }
        try { Directory.Delete(_dir, true); } catch (IOException) { }
        return Task.CompletedTask;
    }
}
