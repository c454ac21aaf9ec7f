using System.Security.Cryptography;
using System.Text;

namespace Exports.Shared;

/// <summary>Password and API key hashing. Keys are random and long, so one SHA-256 is the right hash for them;
/// passwords are low-entropy, so they get PBKDF2 with a per-password salt.</summary>
public static class Secrets
{
    const int Iterations = 120_000;

    public static string HashPassword(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(password, salt, Iterations, HashAlgorithmName.SHA256, 32);
        return $"pbkdf2-sha256${Iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    public static bool VerifyPassword(string password, string stored)
    {
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != "pbkdf2-sha256" || !int.TryParse(parts[1], out var it)) return false;
        var salt = Convert.FromBase64String(parts[2]);
        var expected = Convert.FromBase64String(parts[3]);
        var actual = Rfc2898DeriveBytes.Pbkdf2(password, salt, it, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    public static string NewApiKey() =>
        "exp_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(30)).Replace('+', '-').Replace('/', '_').TrimEnd('=');

    public static byte[] HashApiKey(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public static string KeyPrefix(string key) => key[..Math.Min(10, key.Length)];
}
