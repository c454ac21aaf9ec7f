using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Exports.Tests.Infrastructure;

/// <summary>A real SFTP peer: Debian's OpenSSH sshd on loopback with its own host key, config and authorized key
/// (a fresh ed25519 pair), serving internal-sftp to the current user. Started for the classes that use it.</summary>
public sealed class SshServer : IAsyncLifetime
{
    Process? _sshd;
    public string Dir { get; } = Directory.CreateTempSubdirectory("exports-sshd-").FullName;
    public int Port { get; private set; }
    public string User => Environment.UserName;
    public string ClientKey => File.ReadAllText(Path.Combine(Dir, "client_key"));
    public string HostKeyFingerprint { get; private set; } = "";
    public string Uploads => Path.Combine(Dir, "uploads");

    static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)}: {output}");
        return output;
    }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Uploads);
        Directory.CreateDirectory("/run/sshd");
        Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(Dir, "host_key"));
        Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(Dir, "client_key"));
        File.Copy(Path.Combine(Dir, "client_key.pub"), Path.Combine(Dir, "authorized_keys"));
        HostKeyFingerprint = Run("ssh-keygen", "-l", "-E", "sha256", "-f", Path.Combine(Dir, "host_key.pub")).Split(' ')[1];
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        Port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        var config = Path.Combine(Dir, "sshd_config");
        File.WriteAllLines(config,
        [
            $"Port {Port}", "ListenAddress 127.0.0.1", $"HostKey {Dir}/host_key", $"PidFile {Dir}/sshd.pid",
            $"AuthorizedKeysFile {Dir}/authorized_keys", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
            "PubkeyAuthentication yes", "PermitRootLogin prohibit-password", "StrictModes no", "UsePAM no",
            "Subsystem sftp internal-sftp", "LogLevel ERROR",
        ]);
        var psi = new ProcessStartInfo("/usr/sbin/sshd") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-D", "-e", "-f", config }) psi.ArgumentList.Add(a);
        _sshd = Process.Start(psi)!;
        _sshd.BeginOutputReadLine();
        _sshd.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var c = new TcpClient();
                await c.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_sshd.HasExited) { await Task.Delay(100); }
        }
    }

    public Task DisposeAsync()
    {
        try { _sshd?.Kill(entireProcessTree: true); _sshd?.WaitForExit(5000); } catch (InvalidOperationException) { }
        try { Directory.Delete(Dir, true); } catch (IOException) { }
        return Task.CompletedTask;
    }
}
