using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Exports.Jobs;

public enum LinkCheck { Valid, Tampered, Expired }

/// <summary>Signed, expiring download links: <c>?token=EXPIRY.SIGNATURE</c>, the signature an HMAC-SHA256 over the
/// export id and the expiry (Unix seconds) with a key kept beside the Data Protection keys, so every node that
/// shares the data folder verifies every other's links. A changed id, expiry or signature is tampered (403); a
/// genuine link past its expiry is expired (410).</summary>
public sealed class DownloadLinks
{
    readonly byte[] _key;

    public DownloadLinks(string keysDir)
    {
        Directory.CreateDirectory(keysDir);
        var path = Path.Combine(keysDir, "download-links.key");
        if (!File.Exists(path))
        {
            // Written whole to a private temp file, then moved into place: a node starting at the same moment either
            // wins the move or reads the winner's complete key, never a half-written one.
            var tmp = $"{path}.{Guid.NewGuid():N}.tmp";
            File.WriteAllBytes(tmp, RandomNumberGenerator.GetBytes(32));
            File.SetUnixFileMode(tmp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            try { File.Move(tmp, path, overwrite: false); }
            catch (IOException) when (File.Exists(path)) { File.Delete(tmp); }
        }
        _key = File.ReadAllBytes(path);
        if (_key.Length != 32) throw new InvalidOperationException($"{path} is not a 32-byte key.");
    }

    byte[] Sign(Guid id, long expires) => Sign($"export:{id:N}", expires);
    byte[] Sign(string subject, long expires) => HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{subject}:{expires}"));

    /// <summary>A link for something other than an export's file: <paramref name="subject"/> (e.g. "direct:ID:OWNER")
    /// is signed with the expiry, so its tokens never pass for an export link's or another subject's.</summary>
    public string Create(string subject, DateTimeOffset expires)
    {
        var exp = expires.ToUnixTimeSeconds();
        return $"{exp}.{Base64Url.EncodeToString(Sign(subject, exp))}";
    }

    public LinkCheck Check(string subject, string token, DateTimeOffset now) => Check(token, now, exp => Sign(subject, exp));

    public string Create(Guid id, DateTimeOffset expires)
    {
        var exp = expires.ToUnixTimeSeconds();
        return $"{exp}.{Base64Url.EncodeToString(Sign(id, exp))}";
    }

    public LinkCheck Check(Guid id, string token, DateTimeOffset now) => Check(token, now, exp => Sign(id, exp));

    static LinkCheck Check(string token, DateTimeOffset now, Func<long, byte[]> sign)
    {
        var dot = token.IndexOf('.');
        if (dot <= 0 || !long.TryParse(token.AsSpan(0, dot), out var exp)) return LinkCheck.Tampered;
        byte[] given;
        try { given = Base64Url.DecodeFromChars(token.AsSpan(dot + 1)); }
        catch (FormatException) { return LinkCheck.Tampered; }
        if (!CryptographicOperations.FixedTimeEquals(given, sign(exp))) return LinkCheck.Tampered;
        return now.ToUnixTimeSeconds() >= exp ? LinkCheck.Expired : LinkCheck.Valid;
    }
}
