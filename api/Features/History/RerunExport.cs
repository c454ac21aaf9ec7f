using System.Security.Claims;
using System.Text.Json;
using Exports.Host;
using Exports.Jobs;

namespace Exports.Features.History;

/// <summary>POST /api/v1/exports/{id}/rerun: the same request again, as a new job (relative time ranges move on).</summary>
public static class RerunExport
{
    public static void Map(RouteGroupBuilder g) =>
        g.MapPost("/exports/{id:guid}/rerun", async (Guid id, HttpContext http, JobQueue queue, JobRecords records, ClaimsPrincipal user, CancellationToken ct) =>
            {
                var owner = user.OwnerId();
                if (await records.GetAsync(owner, id, ct) is not { } job) return Problems.NotFound($"No export {id}.");
                var envelope = job.Request.Deserialize<ExportEnvelope>(JsonSerializerOptions.Web)!;
                var (ok, refused) = await queue.SubmitAsync(owner, envelope, null, ct);
                return refused is not null ? JobResults.Refused(refused, http) : JobResults.Accepted(ok!.Job);
            })
            .WithTags("History").WithSummary("Run an export's request again as a new job")
            .Produces<JobRecord>(202).ProducesProblem(404).ProducesProblem(429);
}
