using System.Security.Claims;
using Exports.Data;
using Exports.Host;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Exports.Features.Identity;

public sealed record CreateKeyRequest(string? Name);
public sealed record KeyResponse(Guid Id, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);
public sealed record CreatedKeyResponse(Guid Id, string Name, string Prefix, DateTimeOffset CreatedAt, string Key);

/// <summary>API keys for third parties: created (the secret is shown once), listed (never the secret), revoked.</summary>
public sealed class ApiKeys(ExportsDb db, TimeProvider clock)
{
    public static void Map(RouteGroupBuilder g)
    {
        g.MapPost("/keys", async Task<Results<Created<CreatedKeyResponse>, ProblemHttpResult>> (CreateKeyRequest req, ApiKeys h, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var name = req.Name?.Trim() ?? "";
            if (name.Length is 0 or > 100) return Problems.Field("name", "A key needs a name of 1 to 100 characters.");
            var created = await h.CreateAsync(user.OwnerId(), name, ct);
            return TypedResults.Created($"/api/v1/keys/{created.Id}", created);
        }).WithTags("Identity").WithSummary("Create an API key (the key is returned once)").ProducesProblem(400);

        g.MapGet("/keys", async (ApiKeys h, ClaimsPrincipal user, CancellationToken ct) =>
                TypedResults.Ok(new { keys = await h.ListAsync(user.OwnerId(), ct) }))
            .WithTags("Identity").WithSummary("List the caller's API keys");

        g.MapDelete("/keys/{id:guid}", async Task<Results<NoContent, ProblemHttpResult>> (Guid id, ApiKeys h, ClaimsPrincipal user, CancellationToken ct) =>
                await h.RevokeAsync(user.OwnerId(), id, ct) ? TypedResults.NoContent() : Problems.NotFound($"No API key {id}."))
            .WithTags("Identity").WithSummary("Revoke an API key").ProducesProblem(404);
    }

    public async Task<CreatedKeyResponse> CreateAsync(Guid owner, string name, CancellationToken ct)
    {
        var key = Secrets.NewApiKey();
        var entity = new ApiKey
        {
            Id = Guid.NewGuid(), OwnerId = owner, Name = name, Prefix = Secrets.KeyPrefix(key),
            Hash = Secrets.HashApiKey(key), CreatedAt = clock.GetUtcNow(),
        };
        db.ApiKeys.Add(entity);
        await db.SaveChangesAsync(ct);
        return new CreatedKeyResponse(entity.Id, entity.Name, entity.Prefix, entity.CreatedAt, key);
    }

    public Task<List<KeyResponse>> ListAsync(Guid owner, CancellationToken ct) =>
        db.ApiKeys.Where(k => k.OwnerId == owner).OrderBy(k => k.CreatedAt)
            .Select(k => new KeyResponse(k.Id, k.Name, k.Prefix, k.CreatedAt, k.LastUsedAt, k.RevokedAt)).ToListAsync(ct);

    public async Task<bool> RevokeAsync(Guid owner, Guid id, CancellationToken ct) =>
        await db.ApiKeys.Where(k => k.Id == id && k.OwnerId == owner && k.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, clock.GetUtcNow()), ct) == 1;
}
