using System.Security.Claims;
using Exports.Host;
using Exports.Jobs;

namespace Exports.Features.History;

/// <summary>POST /api/v1/exports: any export (series or layout) as a background job. 202 Accepted with
/// <c>Location</c> and the record; a repeated <c>Idempotency-Key</c> answers with the job it made the first time.</summary>
public static class SubmitExport
{
    public static void Map(RouteGroupBuilder g) =>
        g.MapPost("/exports", async (ExportEnvelope body, HttpContext http, JobQueue queue, ExportGate gate, ClaimsPrincipal user, CancellationToken ct) =>
            {
                // One owner's burst of submissions cannot hold every planning place (each sizes its export with queries).
                using var lease = gate.TryOwner(user.OwnerId(), SyncKind.Submit);
                if (lease is null) return gate.OwnerRefused(SyncKind.Submit, http);
                var key = http.Request.Headers["Idempotency-Key"].FirstOrDefault();
                var (ok, refused) = await queue.SubmitAsync(user.OwnerId(), body, key, ct);
                if (refused is not null) return JobResults.Refused(refused, http);
                if (ok!.Replayed) http.Response.Headers["Idempotent-Replayed"] = "true";
                return JobResults.Accepted(ok.Job);
            })
            .WithTags("History").WithSummary("Start any export as a background job")
            .Produces<JobRecord>(202).ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(413)
            .ProducesProblem(422).ProducesProblem(429);
}
