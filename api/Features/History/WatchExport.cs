using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Text.Json;
using Exports.Host;
using Exports.Jobs;

namespace Exports.Features.History;

/// <summary>GET /api/v1/exports/{id}/events: Server-Sent Events. A <c>state</c> event first and on every change of
/// status, <c>progress</c> events while rows and bytes move, and the stream ends after the final state. Read from
/// the database, so it works whichever node runs the job.</summary>
public static class WatchExport
{
    static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    public static void Map(RouteGroupBuilder g) =>
        g.MapGet("/exports/{id:guid}/events", async (Guid id, JobRecords records, ClaimsPrincipal user, HttpContext http, CancellationToken ct) =>
            {
                var owner = user.OwnerId();
                if (await records.GetAsync(owner, id, ct) is null) return (IResult)Problems.NotFound($"No export {id}.");
                http.Response.Headers.CacheControl = "no-store";
                http.Response.Headers["X-Accel-Buffering"] = "no";
                return TypedResults.ServerSentEvents(Events(records, owner, id, ct));
            })
            .WithTags("History").WithSummary("Follow an export's progress and state (Server-Sent Events)")
            .Produces(200, contentType: "text/event-stream").ProducesProblem(404);

    static async IAsyncEnumerable<SseItem<string>> Events(JobRecords records, Guid owner, Guid id, [EnumeratorCancellation] CancellationToken ct)
    {
        string? status = null;
        (long, long, string)? progress = null;
        using var timer = new PeriodicTimer(Poll);
        while (true)
        {
            var job = await records.GetAsync(owner, id, ct);
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
            if (!await timer.WaitForNextTickAsync(ct)) yield break;
        }
    }
}
