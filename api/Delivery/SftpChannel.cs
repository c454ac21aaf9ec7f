using System.Net.Sockets;
using System.Text;
using Exports.Host;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Exports.Delivery;

/// <summary>SFTP to the user's server through SSH.NET. The server's host key is pinned: <c>hostKey</c> is its SHA-256
/// fingerprint as <c>ssh-keygen -lf</c> prints it (SHA256:…), and any other key ends the connection before we log
/// in. The host is resolved once and checked by <see cref="NetworkGuard"/>; the connection goes to that address.
/// The file streams from storage in flat memory to a temporary name beside the target and is renamed over it only
/// when complete, so a cancelled or failed upload never leaves a partial file under the final name.</summary>
public sealed class SftpChannel(ExportsSettings settings) : IDeliveryChannel
{
    public string Kind => "sftp";
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <summary>The pinned fingerprint's base64 without padding (as SSH.NET's <c>FingerPrintSHA256</c> and
    /// <c>ssh-keygen -E sha256</c> print it), or null when it is not a SHA256:… fingerprint of 32 bytes.</summary>
    public static string? PinFor(string? fingerprint)
    {
        if (fingerprint is null || !fingerprint.StartsWith("SHA256:", StringComparison.Ordinal)) return null;
        var b64 = fingerprint["SHA256:".Length..].Trim().TrimEnd('=');
        try { return Convert.FromBase64String(b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '=')).Length == 32 ? b64 : null; }
        catch (FormatException) { return null; }
    }

    public async Task<string> DeliverAsync(DeliveryContext ctx, CancellationToken ct)
    {
        var d = ctx.Destination;
        var host = d.Get("host")!;
        var port = d.Config.TryGetProperty("port", out var p) && p.ValueKind == System.Text.Json.JsonValueKind.Number && p.TryGetInt32(out var pn) ? pn : 22;
        var user = d.Get("username")!;
        var pin = PinFor(d.Get("hostKey")) ?? throw new InvalidOperationException("SFTP: the destination has no valid pinned host key.");
        var dir = (d.Get("path") ?? "").Trim('/');
        var methods = Authentication(user, d);

        using var client = await ConnectAsync(host, port, user, pin, methods, ct);
        var folder = dir.Length == 0 ? client.WorkingDirectory.TrimEnd('/') : "/" + dir;
        var target = $"{folder}/{ctx.Job.FileName}";
        var partial = $"{folder}/.{ctx.Job.FileName}.{ctx.DeliveryId:N}.part";
        try
        {
            await CreateFoldersAsync(client, folder, ct);
            await using (var file = await ctx.Open(ct) ?? throw new InvalidOperationException("The export's file is gone."))
                await client.UploadFileAsync(file.Body, partial, canOverride: true, uploadProgress: null, ct);
            await RenameOverAsync(client, partial, target, ct);
            return $"sftp://{host}:{port}{target} ({ctx.Job.SizeBytes:N0} bytes)";
        }
        catch (Exception e)
        {
            // Cancelled or failed: the partial file goes (best effort); the final name was never touched.
            using var cleanup = new CancellationTokenSource(Timeout);
            try { if (client.IsConnected) await client.DeleteFileAsync(partial, cleanup.Token); }
            catch (Exception) { /* the server may have dropped us; the .part name is all that can remain */ }
            var classified = Classify(e, user, folder);
            if (ReferenceEquals(classified, e)) throw;
            throw classified;
        }
    }

    static AuthenticationMethod[] Authentication(string user, Destination d)
    {
        var methods = new List<AuthenticationMethod>();
        if (d.Secrets.TryGetValue("privateKey", out var key))
        {
            PrivateKeyFile file;
            try { file = new PrivateKeyFile(new MemoryStream(Encoding.UTF8.GetBytes(key.Replace("\r\n", "\n").TrimEnd() + "\n"))); }
            catch (Exception e) when (e is SshException or ArgumentException or FormatException or InvalidOperationException or NotSupportedException)
            {
                throw new InvalidOperationException("SFTP: the private key cannot be read (OpenSSH or PEM format, without a passphrase).");
            }
            methods.Add(new PrivateKeyAuthenticationMethod(user, file));
        }
        if (d.Secrets.TryGetValue("password", out var password)) methods.Add(new PasswordAuthenticationMethod(user, password));
        if (methods.Count == 0) throw new InvalidOperationException("SFTP: the destination has neither a private key nor a password.");
        return [.. methods];
    }

    /// <summary>Resolves once, checks the addresses, and connects to a checked address with the host key pinned.</summary>
    async Task<SftpClient> ConnectAsync(string host, int port, string user, string pin, AuthenticationMethod[] methods, CancellationToken ct)
    {
        System.Net.IPAddress[] addresses;
        try { addresses = await NetworkGuard.ResolveAsync(host, settings.DeliveryAllowPrivateNetworks, ct); }
        catch (SocketException e) { throw new TransientDeliveryException($"SFTP: cannot resolve {host}: {e.Message}", e); }
        Exception? last = null;
        foreach (var address in addresses)
        {
            string? presented = null;
            var client = new SftpClient(new Renci.SshNet.ConnectionInfo(address.ToString(), port, user, methods) { Timeout = Timeout });
            client.HostKeyReceived += (_, e) =>
            {
                e.CanTrust = string.Equals(e.FingerPrintSHA256, pin, StringComparison.Ordinal);
                if (!e.CanTrust) presented = e.FingerPrintSHA256;
            };
            try
            {
                await client.ConnectAsync(ct);
                return client;
            }
            catch (Exception e)
            {
                client.Dispose();
                if (presented is not null)
                    throw new InvalidOperationException($"SFTP: the server's host key (SHA256:{presented}) does not match the pinned fingerprint (SHA256:{pin}); nothing was sent.");
                if (e is SshAuthenticationException) throw new InvalidOperationException($"SFTP: the server refused the login for '{user}'.");
                if (e is not (SocketException or SshConnectionException or SshOperationTimeoutException)) throw;
                last = e;
            }
        }
        throw new TransientDeliveryException($"SFTP: cannot connect to {host}:{port}: {last!.Message}", last);
    }

    static async Task CreateFoldersAsync(SftpClient client, string folder, CancellationToken ct)
    {
        var path = "";
        foreach (var part in folder.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            path += "/" + part;
            if (!await client.ExistsAsync(path, ct)) await client.CreateDirectoryAsync(path, ct);
        }
    }

    /// <summary>Atomically replaces the target (posix-rename@openssh.com); a server without that extension gets
    /// delete-then-rename.</summary>
    static async Task RenameOverAsync(SftpClient client, string from, string to, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        try { client.RenameFile(from, to, isPosix: true); }
        catch (NotSupportedException)
        {
            if (await client.ExistsAsync(to, ct)) await client.DeleteFileAsync(to, ct);
            await client.RenameFileAsync(from, to, ct);
        }
    }

    static Exception Classify(Exception e, string user, string folder) => e switch
    {
        OperationCanceledException or TransientDeliveryException or NetworkRefusedException or InvalidOperationException => e,
        SftpPermissionDeniedException => new InvalidOperationException($"SFTP: '{user}' may not write to {folder}: {e.Message}"),
        SftpPathNotFoundException => new InvalidOperationException($"SFTP: {folder} cannot be reached: {e.Message}"),
        SocketException or SshConnectionException or SshOperationTimeoutException => new TransientDeliveryException($"SFTP: the connection was lost: {e.Message}", e),
        _ => e,
    };
}
