using Exports.Host;
using Exports.Series;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Exports.Features.Live;

public sealed class StreamTokenIdRequest
{
    public string Source { get; set; } = "";
    public Guid Id { get; set; }
}

/// <summary>Nothing to refuse: an id that names nothing here is the lookup's 404.</summary>
public sealed class StreamTokenIdValidator : Validator<StreamTokenIdRequest>;

/// <summary>DELETE /sources/{source}/stream-tokens/{id}: revokes the token at once; its open streams, on every node,
/// hear of it through the live signal (committed with the revocation) and end.</summary>
public sealed class RevokeStreamToken(NpgsqlDataSource db, TimeProvider clock) : Endpoint<StreamTokenIdRequest, Results<NoContent, ProblemHttpResult>>
{
    public override void Configure()
    {
        Delete("/sources/{source}/stream-tokens/{id:guid}");
        Description(d => d.WithTags("Live").WithSummary("Revoke a stream token (its open streams close)").ProducesProblem(404));
    }

    public override async Task<Results<NoContent, ProblemHttpResult>> ExecuteAsync(StreamTokenIdRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using var cmd = new NpgsqlCommand("""
            UPDATE stream_tokens t SET revoked_at = $4 FROM sources s
            WHERE t.id = $1 AND t.owner_id = $2 AND t.revoked_at IS NULL AND s.id = t.source_id AND s.owner_id = $2 AND s.name = $3
            RETURNING t.source_id
            """, conn, tx);
        foreach (var v in new object[] { req.Id, User.OwnerId(), req.Source, clock.GetUtcNow() }) cmd.Parameters.Add(new NpgsqlParameter { Value = v });
        if (await cmd.ExecuteScalarAsync(ct) is not Guid source) return Problems.NotFound($"No stream token {req.Id} on source '{req.Source}'.");
        await LiveLog.NotifyTokensChangedAsync(conn, source, ct);
        await tx.CommitAsync(ct);
        return TypedResults.NoContent();
    }
}
