using Exports.Host;
using Exports.Series;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Exports.Features.Identity;

/// <summary>Nothing to refuse: any id is well-formed, and one that names nothing here (the empty GUID included) is the
/// lookup's 404, as on every route of the API.</summary>
public sealed class KeyIdValidator : Validator<KeyIdRequest>;

/// <summary>DELETE /keys/{id}: revokes the key at once, ending the live streams opened with it (another owner's, or an
/// already revoked one, is "not found").</summary>
public sealed class RevokeKey(NpgsqlDataSource db, TimeProvider clock) : Endpoint<KeyIdRequest, Results<NoContent, ProblemHttpResult>>
{
    public override void Configure()
    {
        Delete("/keys/{id:guid}");
        Description(d => d.WithTags("Identity").WithSummary("Revoke an API key").ProducesProblem(404));
    }

    public override async Task<Results<NoContent, ProblemHttpResult>> ExecuteAsync(KeyIdRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using var cmd = new NpgsqlCommand("UPDATE api_keys SET revoked_at = $3 WHERE id = $1 AND owner_id = $2 AND revoked_at IS NULL", conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = req.Id });
        cmd.Parameters.Add(new NpgsqlParameter { Value = User.OwnerId() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = clock.GetUtcNow() });
        if (await cmd.ExecuteNonQueryAsync(ct) != 1) return Problems.NotFound($"No API key {req.Id}.");
        // Its live streams (opened with it, no token) check it at once, on every node, and end.
        await LiveLog.NotifyKeyRevokedAsync(conn, req.Id, ct);
        await tx.CommitAsync(ct);
        return TypedResults.NoContent();
    }
}
