using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Npgsql;

namespace Exports.Features.Live;

/// <summary>What the stream-token use cases share: the token's shape and hash, the origins rule, the source lookup.</summary>
public static partial class StreamTokens
{
    /// <summary>The shape of a source's name (as the Sources slice creates them): a route value of any other shape names
    /// no source, and is answered 404 before anything else, as on every source route.</summary>
    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,62}$")]
    private static partial Regex SourceName();

    public static bool CanNameSource(string? name) => name is not null && SourceName().IsMatch(name);

    public const string TokenPrefix = "lst_";
    public const int MaxOrigins = 20;

    /// <summary>A new token: "lst_" and 32 random bytes (base64url). Stored as its SHA-256 only, like an API key.</summary>
    public static string NewToken() => TokenPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[] Hash(string token) => Shared.Secrets.HashApiKey(token);

    public static string Prefix(string token) => token[..Math.Min(10, token.Length)];

    /// <summary>An origin as a browser sends it (<c>scheme://host[:port]</c>, lower case, no default port), or null
    /// with the reason when <paramref name="text"/> is not an absolute http(s) origin without path, query or fragment.</summary>
    public static string? Normalize(string? text, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(text)) { error = "An origin is an absolute http(s) URL without a path, e.g. https://app.example.com."; return null; }
        if (text.Trim() == "*" || text.Contains('*')) { error = "'*' is refused: name each origin that may read the stream."; return null; }
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var u) || (u.Scheme != Uri.UriSchemeHttp && u.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(u.Host))
        { error = $"'{text}' is not an absolute http(s) origin, e.g. https://app.example.com."; return null; }
        if (u.AbsolutePath != "/" || text.TrimEnd().EndsWith('/') || !string.IsNullOrEmpty(u.Query) || !string.IsNullOrEmpty(u.Fragment) || !string.IsNullOrEmpty(u.UserInfo))
        { error = $"'{text}' is not an origin: no path, query, fragment or user (just scheme://host[:port])."; return null; }
        return u.IsDefaultPort ? $"{u.Scheme}://{u.IdnHost}" : $"{u.Scheme}://{u.IdnHost}:{u.Port}";
    }

    /// <summary>The id of the owner's source named <paramref name="name"/>, or null (another owner's source is not found).</summary>
    public static async Task<Guid?> SourceIdAsync(NpgsqlDataSource db, Guid owner, string name, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT id FROM sources WHERE owner_id = $1 AND name = $2");
        cmd.Parameters.Add(new NpgsqlParameter { Value = owner });
        cmd.Parameters.Add(new NpgsqlParameter { Value = name });
        return await cmd.ExecuteScalarAsync(ct) is Guid id ? id : null;
    }
}

/// <summary>A stream token as listed (never the token itself).</summary>
public sealed record StreamTokenResponse(Guid Id, string Name, string Prefix, IReadOnlyList<string> Origins, DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt, DateTimeOffset? RevokedAt);

public sealed record StreamTokenList(IReadOnlyList<StreamTokenResponse> Tokens);
