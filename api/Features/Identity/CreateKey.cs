using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Exports.Features.Identity;

public sealed class CreateKeyValidator : Validator<CreateKeyRequest>
{
    public CreateKeyValidator() => RuleFor(r => r.Name).Must(n => n?.Trim().Length is > 0 and <= 100)
        .WithMessage("A key needs a name of 1 to 100 characters.").OverridePropertyName("name");
}

/// <summary>POST /keys: a new key; the secret is in this response only (stored as a hash).</summary>
public sealed class CreateKey(NpgsqlDataSource db, TimeProvider clock) : Endpoint<CreateKeyRequest, Created<CreatedKeyResponse>>
{
    public override void Configure()
    {
        Post("/keys");
        Description(d => d.WithTags("Identity").WithSummary("Create an API key (the key is returned once)").ProducesProblem(400));
    }

    public override async Task<Created<CreatedKeyResponse>> ExecuteAsync(CreateKeyRequest req, CancellationToken ct)
    {
        var key = Secrets.NewApiKey();
        var created = new CreatedKeyResponse(Guid.NewGuid(), req.Name!.Trim(), Secrets.KeyPrefix(key), clock.GetUtcNow(), key);
        await using var cmd = db.CreateCommand("INSERT INTO api_keys (id, owner_id, name, prefix, hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)");
        foreach (var value in new object[] { created.Id, User.OwnerId(), created.Name, created.Prefix, Secrets.HashApiKey(key), created.CreatedAt })
            cmd.Parameters.Add(new NpgsqlParameter { Value = value });
        await cmd.ExecuteNonQueryAsync(ct);
        return TypedResults.Created($"/api/v1/keys/{created.Id}", created);
    }
}

