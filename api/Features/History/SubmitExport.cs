using Exports.Host;
using Exports.Jobs;
using FastEndpoints;

namespace Exports.Features.History;

/// <summary>The envelope is checked by the job queue when it plans the export (<see cref="JobQueue.PlanAsync"/>), the
/// one check shared with reruns, templates and schedules: it needs the owner's sources and destinations, and it runs
/// after the owner's submission place is taken, so nothing is refused here first.</summary>
public sealed class SubmitExportValidator : Validator<ExportEnvelope>;

/// <summary>POST /exports: any export (series or layout) as a background job. 202 Accepted with <c>Location</c> and
/// the record; a repeated <c>Idempotency-Key</c> header answers with the job it made the first time
/// (<c>Idempotent-Replayed: true</c>). An identical series export the result cache holds is answered at once: the
/// record comes back completed with <c>cache: {hit: true, fromJob}</c> (still 202, with the same Location).</summary>
public sealed class SubmitExport(JobQueue queue, ExportGate gate) : Endpoint<ExportEnvelope>
{
    public override void Configure()
    {
        Post("/exports");
        Description(d => d.WithTags("History").WithSummary("Start any export as a background job")
            .Produces<JobRecord>(202).ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(413)
            .ProducesProblem(422).ProducesProblem(429));
    }

    public override async Task HandleAsync(ExportEnvelope body, CancellationToken ct) => await Send.ResultAsync(await SubmitAsync(body, ct));

    async Task<IResult> SubmitAsync(ExportEnvelope body, CancellationToken ct)
    {
        var owner = User.OwnerId();
        // One owner's burst of submissions cannot hold every planning place (each sizes its export with queries).
        using var lease = gate.TryOwner(owner, SyncKind.Submit);
        if (lease is null) return gate.OwnerRefused(SyncKind.Submit, HttpContext);
        var key = HttpContext.Request.Headers["Idempotency-Key"].FirstOrDefault();
        // Cache-Control: no-cache computes the export afresh even when the result cache holds it; no-store also keeps
        // its file from answering later requests.
        var (ok, refused) = await queue.SubmitAsync(owner, body, key, ct, use: ResultCache.Use(HttpContext.Request.Headers.CacheControl));
        if (refused is not null) return JobResults.Refused(refused, HttpContext);
        if (ok!.Replayed) HttpContext.Response.Headers["Idempotent-Replayed"] = "true";
        return JobResults.Accepted(ok.Job);
    }
}
