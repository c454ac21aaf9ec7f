using Exports.Data;
using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Exports.Features.Identity;

public sealed class CreateKeyValidator : Validator<CreateKeyRequest>
{
    public CreateKeyValidator() => RuleFor(r => r.Name).Must(n => n?.Trim().Length is > 0 and <= 100)
        .WithMessage("A key needs a name of 1 to 100 characters.").OverridePropertyName("name");
}

/// <summary>POST /keys: a new key; the secret is in this response only (stored as a hash).</summary>
public sealed class CreateKey(ExportsDb db, TimeProvider clock) : Endpoint<CreateKeyRequest, Created<CreatedKeyResponse>>
{
    public override void Configure()
    {
        Post("/keys");
        Description(d => d.WithTags("Identity").WithSummary("Create an API key (the key is returned once)").ProducesProblem(400));
    }

    public override async Task<Created<CreatedKeyResponse>> ExecuteAsync(CreateKeyRequest req, CancellationToken ct)
    {
        var key = Secrets.NewApiKey();
        var entity = new ApiKey
        {
            Id = Guid.NewGuid(), OwnerId = User.OwnerId(), Name = req.Name!.Trim(), Prefix = Secrets.KeyPrefix(key),
            Hash = Secrets.HashApiKey(key), CreatedAt = clock.GetUtcNow(),
        };
        db.ApiKeys.Add(entity);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/keys/{entity.Id}", new CreatedKeyResponse(entity.Id, entity.Name, entity.Prefix, entity.CreatedAt, key));
    }
}

