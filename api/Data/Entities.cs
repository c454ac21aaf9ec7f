namespace Exports.Data;

public sealed class User
{
    public Guid Id { get; set; }
    public required string Email { get; set; }
    public required string Name { get; set; }
    public required string PasswordHash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public sealed class ApiKey
{
    public Guid Id { get; set; }
    public Guid OwnerId { get; set; }
    public required string Name { get; set; }
    /// <summary>The first characters of the key, shown to the owner so keys can be told apart; never the secret.</summary>
    public required string Prefix { get; set; }
    public required byte[] Hash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
}

public sealed class Source
{
    public Guid Id { get; set; }
    public Guid OwnerId { get; set; }
    public required string Name { get; set; }
    /// <summary>"timeseries" or "records".</summary>
    public required string Kind { get; set; }
    public string Description { get; set; } = "";
    /// <summary>Declared fields (records) or metric units (timeseries), as JSON.</summary>
    public string Schema { get; set; } = "{}";
    public DateTimeOffset CreatedAt { get; set; }
}
