using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Exports.Features.Live;

public sealed class CreateStreamTokenRequest
{
    public string Source { get; set; } = "";
    public string? Name { get; set; }
    public List<string>? Origins { get; set; }
    public int? ExpiresInDays { get; set; }
}

public sealed class CreateStreamTokenValidator : Validator<CreateStreamTokenRequest>
{
    public const int MaxDays = 365;

    public CreateStreamTokenValidator()
    {
        RuleFor(r => r.Name).Must(n => n is null || n.Trim().Length is > 0 and <= 100)
            .WithMessage("A stream token's name is 1 to 100 characters.").OverridePropertyName("name");
        RuleFor(r => r.Origins).NotNull().WithMessage("List the origins (https://app.example.com) whose pages may read the stream; [] for none (curl, servers).")
            .OverridePropertyName("origins");
        RuleFor(r => r.Origins).Must(o => o is null || o.Count <= StreamTokens.MaxOrigins)
            .WithMessage($"At most {StreamTokens.MaxOrigins} origins per token.").OverridePropertyName("origins");
        RuleForEach(r => r.Origins).Must(o => StreamTokens.Normalize(o, out _) is not null)
            .WithMessage((_, o) => { StreamTokens.Normalize(o, out var error); return error!; }).OverridePropertyName("origins");
        RuleFor(r => r.ExpiresInDays).InclusiveBetween(1, MaxDays)
            .WithMessage($"expiresInDays is 1 to {MaxDays} (default 30).").OverridePropertyName("expiresInDays");
    }
}

/// <summary>POST /sources/{source}/stream-tokens: a token that reads this source's live stream and nothing else; the
/// token is in this response only (stored as a hash).</summary>
public sealed class CreateStreamToken(NpgsqlDataSource db, TimeProvider clock, ExportsSettings settings)
    : Endpoint<CreateStreamTokenRequest, Results<Created<CreatedStreamToken>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Post("/sources/{source}/stream-tokens");
        Description(d => d.WithTags("Live").WithSummary("Create a stream token for a source's live stream (the token is returned once)")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409));
    }

    public override async Task<Results<Created<CreatedStreamToken>, ProblemHttpResult>> ExecuteAsync(CreateStreamTokenRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        if (await StreamTokens.SourceIdAsync(db, owner, req.Source, ct) is not { } source) return Problems.NotFound($"No source named '{req.Source}'.");
        var origins = req.Origins!.Select(o => StreamTokens.Normalize(o, out _)!).Distinct(StringComparer.Ordinal).ToArray();
        var token = StreamTokens.NewToken();
        var now = clock.GetUtcNow();
        var id = Guid.NewGuid();
        var name = req.Name?.Trim() ?? "stream";
        var expires = now.AddDays(req.ExpiresInDays ?? 30);
        var cap = settings.Live.TokensPerSource;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // One creation at a time per source (an advisory lock: the source row's lock is the ingest's), then count.
        await using (var count = new NpgsqlCommand("""
            SELECT pg_advisory_xact_lock(hashtextextended($2::text, 15)), (SELECT count(*) FROM stream_tokens
                WHERE owner_id = $1 AND source_id = $2 AND revoked_at IS NULL AND expires_at > now())
            """, conn, tx))
        {
            count.Parameters.Add(new NpgsqlParameter { Value = owner });
            count.Parameters.Add(new NpgsqlParameter { Value = source });
            await using var r = await count.ExecuteReaderAsync(ct);
            await r.ReadAsync(ct);
            if (r.GetInt64(1) >= cap)
                return Problems.Status(409, "Too many stream tokens for this source",
                    $"This source already has {cap} live stream tokens (EXPORTS_LIVE_TOKENS_PER_SOURCE = {cap}). Revoke one first.");
        }
        await using (var cmd = new NpgsqlCommand("""
            INSERT INTO stream_tokens (id, owner_id, source_id, name, prefix, hash, origins, created_at, expires_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            """, conn, tx))
        {
            foreach (var v in new object[] { id, owner, source, name, StreamTokens.Prefix(token), StreamTokens.Hash(token), origins, now, expires })
                cmd.Parameters.Add(new NpgsqlParameter { Value = v });
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        var url = $"{settings.PublicUrl}/{Endpoints.Prefix}/sources/{Uri.EscapeDataString(req.Source)}/stream?token={token}";
        return TypedResults.Created($"/{Endpoints.Prefix}/sources/{Uri.EscapeDataString(req.Source)}/stream-tokens",
            new CreatedStreamToken(id, name, StreamTokens.Prefix(token), origins, now, expires, token, url));
    }
}

public sealed record CreatedStreamToken(Guid Id, string Name, string Prefix, IReadOnlyList<string> Origins, DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt, string Token, string Url);
