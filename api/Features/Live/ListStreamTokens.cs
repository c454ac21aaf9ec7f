using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Exports.Features.Live;

public sealed class SourceRouteRequest
{
    public string Source { get; set; } = "";
}

/// <summary>Nothing to refuse: a name that names none of the caller's sources is the lookup's 404.</summary>
public sealed class SourceRouteValidator : Validator<SourceRouteRequest>;

/// <summary>GET /sources/{source}/stream-tokens: the source's stream tokens, oldest first, without the tokens.</summary>
public sealed class ListStreamTokens(NpgsqlDataSource db) : Endpoint<SourceRouteRequest, Results<Ok<StreamTokenList>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Get("/sources/{source}/stream-tokens");
        Description(d => d.WithTags("Live").WithSummary("List a source's stream tokens (never the tokens themselves)").ProducesProblem(404));
    }

    public override async Task<Results<Ok<StreamTokenList>, ProblemHttpResult>> ExecuteAsync(SourceRouteRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        if (await StreamTokens.SourceIdAsync(db, owner, req.Source, ct) is not { } source) return Problems.NotFound($"No source named '{req.Source}'.");
        await using var cmd = db.CreateCommand("""
            SELECT id, name, prefix, origins, created_at, expires_at, revoked_at FROM stream_tokens
            WHERE source_id = $1 AND owner_id = $2 ORDER BY created_at, id
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = source });
        cmd.Parameters.Add(new NpgsqlParameter { Value = owner });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<StreamTokenResponse>();
        while (await r.ReadAsync(ct))
            list.Add(new StreamTokenResponse(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetFieldValue<string[]>(3),
                r.GetFieldValue<DateTimeOffset>(4), r.GetFieldValue<DateTimeOffset>(5), r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6)));
        return TypedResults.Ok(new StreamTokenList(list));
    }
}
