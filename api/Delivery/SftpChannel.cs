using System.Diagnostics;
using System.Text.Json;

namespace Exports.Delivery;

/// <summary>SFTP to the user's server through the system's curl (built with libssh2; no SSH library is served for
/// .NET). The server's host key is pinned: <c>hostKey</c> is its SHA-256 fingerprint as <c>ssh-keygen -lf</c>
/// prints it (SHA256:…), and curl refuses any other key. The file streams to curl's stdin; the login and private key
/// go through 0600 files in a private folder, never the command line, which other users can read.</summary>
public sealed class SftpChannel : IDeliveryChannel
{
    public string Kind => "sftp";

    public static string? PinFor(string? fingerprint)
    {
        if (fingerprint is null || !fingerprint.StartsWith("SHA256:", StringComparison.Ordinal)) return null;
        var b64 = fingerprint["SHA256:".Length..].Trim();
        b64 = b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '=');
        try { return Convert.FromBase64String(b64).Length == 32 ? b64 : null; }
        catch (FormatException) { return null; }
    }

    public async Task<string> DeliverAsync(DeliveryContext ctx, CancellationToken ct)
    {
        var d = ctx.Destination;
        var host = d.Get("host")!;
        var port = d.Config.TryGetProperty("port", out var p) && p.TryGetInt32(out var pn) ? pn : 22;
        var user = d.Get("username")!;
        var dir = (d.Get("path") ?? "").Trim('/');
        var remote = $"sftp://{host}:{port}/{(dir.Length == 0 ? "" : Uri.EscapeDataString(dir).Replace("%2F", "/") + "/")}{Uri.EscapeDataString(ctx.Job.FileName)}";
        var work = Directory.CreateTempSubdirectory("exports-sftp-");
        try
        {
            var psi = new ProcessStartInfo("curl") { RedirectStandardInput = true, RedirectStandardError = true };
            var args = new List<string> { "--silent", "--show-error", "--fail", "--globoff", "--ftp-create-dirs", "--connect-timeout", "15",
                "--hostpubsha256", PinFor(d.Get("hostKey"))!, "--upload-file", "-", remote };
            // Credentials in a curl config file only we can read, not in argv.
            var config = new List<string> { $"user = \"{Escape(user)}:{Escape(d.Secrets.GetValueOrDefault("password") ?? "")}\"" };
            if (d.Secrets.TryGetValue("privateKey", out var key))
            {
                var keyFile = Path.Combine(work.FullName, "id");
                await File.WriteAllTextAsync(keyFile, key.Replace("\r\n", "\n").TrimEnd() + "\n", ct);
                File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                config.Add($"key = \"{Escape(keyFile)}\"");
                config.Add($"user = \"{Escape(user)}:\"");
            }
            var configFile = Path.Combine(work.FullName, "curlrc");
            await File.WriteAllLinesAsync(configFile, config, ct);
            File.SetUnixFileMode(configFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            psi.ArgumentList.Add("--config");
            psi.ArgumentList.Add(configFile);
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var proc = Process.Start(psi)!;
            var stderr = proc.StandardError.ReadToEndAsync(ct);
            var sent = false;
            try
            {
                await using (var file = await ctx.Open(ct) ?? throw new InvalidOperationException("The export's file is gone."))
                {
                    var buffer = new byte[1 << 16];
                    int n;
                    while ((n = await file.Body.ReadAsync(buffer, ct)) > 0) // a failing source read propagates
                    {
                        try { await proc.StandardInput.BaseStream.WriteAsync(buffer.AsMemory(0, n), ct); }
                        catch (IOException) { break; } // curl stopped reading: its exit code says why
                    }
                }
                try { proc.StandardInput.Close(); } catch (IOException) { }
                sent = true;
            }
            finally
            {
                // Anything short of the whole file: stop curl so it cannot finish a truncated upload.
                if (!sent && !proc.HasExited) proc.Kill(entireProcessTree: true);
            }
            await proc.WaitForExitAsync(ct);
            var error = (await stderr).Trim();
            return proc.ExitCode switch
            {
                0 => $"{remote} ({ctx.Job.SizeBytes:N0} bytes)",
                // 6 resolve, 7 connect, 28 timeout, 55/56 send/receive: worth another attempt.
                6 or 7 or 28 or 55 or 56 => throw new TransientDeliveryException($"SFTP (curl {proc.ExitCode}): {error}"),
                51 or 60 => throw new InvalidOperationException($"SFTP: the server's host key does not match the pinned fingerprint (curl {proc.ExitCode})."),
                67 => throw new InvalidOperationException($"SFTP: the server refused the login (curl {proc.ExitCode})."),
                _ => throw new InvalidOperationException($"SFTP (curl {proc.ExitCode}): {error}"),
            };
        }
        finally { work.Delete(recursive: true); }
    }

    static string Escape(string s) =>
        s.Any(char.IsControl) ? throw new InvalidOperationException("SFTP login values cannot hold control characters.")
            : s.Replace("\\", "\\\\").Replace("\"", "\\\"");
}
