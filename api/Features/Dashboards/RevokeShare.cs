using Exports.Data;
using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using Marten;
using Marten.Patching;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.Dashboards;

/// <summary>DELETE /dashboards/{id}/share: revokes the public link at once.</summary>
public sealed class RevokeShare(IDocumentSession docs) : Endpoint<DashboardIdRequest, Results<NoContent, ProblemHttpResult>>
{
    public override void Configure()
    {
        Delete("/dashboards/{id}/share");
        Description(d => d.WithTags("Dashboards").WithSummary("Revoke the public link").ProducesProblem(404));
    }

    public override async Task<Results<NoContent, ProblemHttpResult>> ExecuteAsync(DashboardIdRequest req, CancellationToken ct)
    {
        if (await DashboardQueries.FindAsync(docs, User.OwnerId(), req.Id, ct) is not { } d) return Problems.NotFound($"No dashboard '{req.Id}'.");
        // A patch of the link alone, never refused: a revoke always wins a race. It changes the document's version, so
        // an update or share that loaded the dashboard before it fails (409) instead of bringing the link back.
        docs.Patch<Dashboard>(d.Id).Set(x => x.ShareHash, (string?)null).Set(x => x.SharedAt, (DateTimeOffset?)null);
        await docs.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }
}
