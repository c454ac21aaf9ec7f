using Exports.Data;
using Exports.Host;

namespace Exports.Features.Identity;

// API keys for third parties: created (the secret is shown once), listed (never the secret), revoked.

public sealed class CreateKeyRequest
{
    public string? Name { get; set; }
}

public sealed record KeyResponse(Guid Id, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);
public sealed record KeyList(List<KeyResponse> Keys);
public sealed record CreatedKeyResponse(Guid Id, string Name, string Prefix, DateTimeOffset CreatedAt, string Key);

public sealed class KeyIdRequest
{
    public Guid Id { get; set; }
}

