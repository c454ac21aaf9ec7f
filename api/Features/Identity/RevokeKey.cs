using Exports.Data;
using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Exports.Features.Identity;

/// <summary>Nothing to refuse: any id is well-formed, and one that names nothing here (the empty GUID included) is the
/// lookup's 404, as on every route of the API.</summary>
public sealed class KeyIdValidator : Validator<KeyIdRequest>;

/// <summary>DELETE /keys/{id}: revokes the key at once (another owner's, or an already revoked one, is "not found").</summary>
public sealed class RevokeKey(ExportsDb db, TimeProvider clock) : Endpoint<KeyIdRequest, Results<NoContent, ProblemHttpResult>>
{
    public override void Configure()
    {
        Delete("/keys/{id:guid}");
        Description(d => d.WithTags("Identity").WithSummary("Revoke an API key").ProducesProblem(404));
    }

    public override async Task<Results<NoContent, ProblemHttpResult>> ExecuteAsync(KeyIdRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        var revoked = await db.ApiKeys.Where(k => k.Id == req.Id && k.OwnerId == owner && k.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, clock.GetUtcNow()), ct) == 1;
        return revoked ? TypedResults.NoContent() : Problems.NotFound($"No API key {req.Id}.");
    }
}
