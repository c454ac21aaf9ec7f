using System.Text.Json;
using Exports.Host;
using Exports.Jobs;
using Exports.Shared;
using FastEndpoints;

namespace Exports.Features.History;

/// <summary>POST /exports/{id}/rerun: the same request again, as a new job (relative time ranges move on); 202 with
/// <c>Location</c>, or the job queue's refusal (429 with Retry-After past the quota).</summary>
public sealed class RerunExport(JobQueue queue, JobRecords records) : Endpoint<ExportIdRequest>
{
    public override void Configure()
    {
        Post("/exports/{id:guid}/rerun");
        Description(d => d.WithTags("History").WithSummary("Run an export's request again as a new job")
            .Produces<JobRecord>(202).ProducesProblem(404).ProducesProblem(429));
    }

    public override async Task HandleAsync(ExportIdRequest req, CancellationToken ct) => await Send.ResultAsync(await RerunAsync(req.Id, ct));

    async Task<IResult> RerunAsync(Guid id, CancellationToken ct)
    {
        var owner = User.OwnerId();
        if (await records.GetAsync(owner, id, ct) is not { } job) return Problems.NotFound($"No export {id}.");
        var envelope = job.Request.Deserialize<ExportEnvelope>(JsonSerializerOptions.Web)!;
        var (ok, refused) = await queue.SubmitAsync(owner, envelope, null, ct);
        return refused is not null ? JobResults.Refused(refused, HttpContext) : JobResults.Accepted(ok!.Job);
    }
}
