using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Exports.Host;
using Exports.Jobs;
using Exports.Shared;
using FastEndpoints;

namespace Exports.Features.History;

/// <summary>GET /exports/{id}/events: Server-Sent Events. A <c>state</c> event first and on every change of status,
/// <c>progress</c> events while rows and bytes move, and the stream ends after the final state. Read from the
/// database, so it works whichever node runs the job. Written by ASP.NET Core's own SSE result, as before (each
/// event as <c>event:</c>, <c>data:</c> and <c>id:</c> lines, no <c>retry:</c>), not FastEndpoints' event stream.</summary>
public sealed class WatchExport(JobRecords records, JobSignals signals) : Endpoint<ExportIdRequest>
{
    static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    /// <summary>How long a queued job's watcher waits for its signal before reading the record anyway (a queued job has
    /// no progress to show; the read only covers a signal lost while the node's LISTEN connection reconnected).</summary>
    static readonly TimeSpan QueuedPoll = TimeSpan.FromSeconds(2);

    public override void Configure()
    {
        Get("/exports/{id:guid}/events");
        Description(d => d.WithTags("History").WithSummary("Follow an export's progress and state (Server-Sent Events)")
            .Produces(200, contentType: "text/event-stream").ProducesProblem(404));
    }

    public override async Task HandleAsync(ExportIdRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        // Subscribed before the first read: a change after it is not missed.
        using var changes = signals.Subscribe(req.Id);
        if (await records.GetAsync(owner, req.Id, ct) is not { } first)
        {
            await Send.ResultAsync(Problems.NotFound($"No export {req.Id}."));
            return;
        }
        HttpContext.Response.Headers.CacheControl = "no-store";
        HttpContext.Response.Headers["X-Accel-Buffering"] = "no";
        await Send.ResultAsync(TypedResults.ServerSentEvents(Events(records, changes, owner, first, ct)));
    }

    /// <summary>Sends what changed in the record, then waits for the job's next state change (<see cref="JobSignals"/>:
    /// a start or an end is sent as it commits, on whichever node) and reads it again. While it runs, it also reads
    /// every poll interval for progress; while it is queued, only on a signal (or after <see cref="QueuedPoll"/>), so a
    /// backlog's watchers do not read records that cannot have moved.</summary>
    static async IAsyncEnumerable<SseItem<string>> Events(JobRecords records, JobSignals.Subscription changes, Guid owner, JobRecord first,
        [EnumeratorCancellation] CancellationToken ct)
    {
        string? status = null;
        (long, long, string)? progress = null;
        var id = first.Id;
        for (JobRecord? job = first; ; job = await records.GetAsync(owner, id, ct))
        {
            if (job is null)
            {
                yield return new SseItem<string>("""{"status":"deleted"}""", "state");
                yield break;
            }
            var json = JsonSerializer.Serialize(job, JsonSerializerOptions.Web);
            if (job.Status != status)
            {
                status = job.Status;
                progress = (job.RowsWritten, job.BytesWritten, job.Phase);
                yield return new SseItem<string>(json, "state") { EventId = $"{job.UpdatedAt.UtcTicks}" };
                if (JobStatus.IsFinal(job.Status)) yield break;
            }
            else if (progress != (job.RowsWritten, job.BytesWritten, job.Phase))
            {
                progress = (job.RowsWritten, job.BytesWritten, job.Phase);
                yield return new SseItem<string>(json, "progress") { EventId = $"{job.UpdatedAt.UtcTicks}" };
            }
            await changes.WaitAsync(job.Status == JobStatus.Pending ? QueuedPoll : Poll, ct);
        }
    }
}
