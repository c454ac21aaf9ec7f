using System.Text.Json.Serialization;
using Exports.Host;
using Exports.Jobs;
using Exports.Shared;
using FastEndpoints;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.History;

/// <summary>The kinds of step in an export's timeline.</summary>
public static class ExportEventType
{
    public const string Queued = "queued", Started = "started", Retrying = "retrying", Completed = "completed", Failed = "failed",
        CancelRequested = "cancelRequested", Cancelled = "cancelled", Expired = "expired";
}

/// <summary>One step of an export's lifecycle. <see cref="RecoveredFrom"/> names the node a started attempt took the
/// job over from; <see cref="Synthesized"/> marks steps read from the record of a job that has no stream (recorded
/// before streams existed, or a direct download, which is not a job).</summary>
public sealed record ExportEvent
{
    public string Type { get; init; } = "";
    public DateTimeOffset At { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Attempt { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Node { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? RecoveredFrom { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? By { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Error { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? Rows { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? Bytes { get; init; }
    /// <summary>Why a step happened as it did: "cache hit" on a completion answered from <see cref="FromJob"/>'s file.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Reason { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Guid? FromJob { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool Synthesized { get; init; }
}

/// <summary>GET /exports/{id}/timeline (/events is the live state stream, WatchExport): the export's timeline, oldest first — queued, each attempt's start (its number
/// and node), retries, and how it ended (who cancelled it, the error, rows and bytes). Another owner's is 404.</summary>
public sealed class GetExportTimeline(JobRecords records) : Endpoint<ExportIdRequest, Results<Ok<List<ExportEvent>>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Get("/exports/{id:guid}/timeline");
        Description(d => d.WithTags("History").WithSummary("An export's lifecycle events, oldest first")
            .Produces<List<ExportEvent>>().ProducesProblem(404));
    }

    public override async Task<Results<Ok<List<ExportEvent>>, ProblemHttpResult>> ExecuteAsync(ExportIdRequest req, CancellationToken ct)
    {
        if (await records.GetAsync(User.OwnerId(), req.Id, ct) is not { } job) return Problems.NotFound($"No export {req.Id}.");
        var events = await records.EventsAsync(req.Id, ct);
        return TypedResults.Ok(ExportTimeline.Of(job, [.. events.Select(e => e.Data)]));
    }
}

/// <summary>Pure: stream events, or a record without a stream, as timeline steps.</summary>
public static class ExportTimeline
{
    /// <summary>The job's timeline from its stream; what the stream cannot tell comes from the record, marked
    /// synthesized: everything, for a job without a stream (recorded before streams existed, or a direct download);
    /// the start, for a stream that began after the job did (an older job that expired, was cancelled or ran on after
    /// the upgrade, or a direct download's expiry): its queued step, and its completion when the stream begins with
    /// the expiry.</summary>
    public static List<ExportEvent> Of(JobRecord j, IReadOnlyList<object> events)
    {
        if (events.Count == 0) return Synthesize(j);
        var steps = new List<ExportEvent>();
        if (events[0] is not JobQueued)
        {
            steps.Add(new() { Type = ExportEventType.Queued, At = j.CreatedAt, Synthesized = true });
            if (events[0] is JobExpired && j.CompletedAt is { } completed)
                steps.Add(new() { Type = ExportEventType.Completed, At = completed, Node = j.Node, Rows = j.RowCount, Bytes = j.SizeBytes ?? j.BytesWritten, Synthesized = true });
        }
        steps.AddRange(events.Select(From).OfType<ExportEvent>());
        return steps;
    }

    /// <returns>The step, or null for what a timeline does not show (deletion: the record is gone and the endpoint 404s).</returns>
    public static ExportEvent? From(object data) => data switch
    {
        JobQueued e => new() { Type = ExportEventType.Queued, At = e.At },
        JobStarted e => new() { Type = ExportEventType.Started, At = e.At, Attempt = e.Attempt, Node = e.Node, RecoveredFrom = e.RecoveredFrom },
        JobRetrying e => new() { Type = ExportEventType.Retrying, At = e.At, Attempt = e.Attempt, Node = e.Node, Error = e.Error },
        JobCompleted e => new() { Type = ExportEventType.Completed, At = e.At, Node = e.Node, Rows = e.Rows, Bytes = e.Bytes,
            Reason = e.FromCache is null ? null : "cache hit", FromJob = e.FromCache },
        JobFailed e => new() { Type = ExportEventType.Failed, At = e.At, Node = e.Node, Error = e.Error },
        JobCancelRequested e => new() { Type = ExportEventType.CancelRequested, At = e.At, By = e.By },
        JobCancelled e => new() { Type = ExportEventType.Cancelled, At = e.At, By = e.By, Node = e.Node },
        JobExpired e => new() { Type = ExportEventType.Expired, At = e.At },
        _ => null,
    };

    /// <summary>A job without a stream: queued when recorded, then what the record says now, each marked synthesized.
    /// While it runs: one started step at the job's first start (started_at, which later attempts keep; the record
    /// holds no later attempt's start) carrying the attempts counted so far and the node running it now. Once
    /// finished: its final state.</summary>
    public static List<ExportEvent> Synthesize(JobRecord j)
    {
        var steps = new List<ExportEvent> { new() { Type = ExportEventType.Queued, At = j.CreatedAt, Synthesized = true } };
        var at = j.CompletedAt ?? j.UpdatedAt;
        var end = j.Status switch
        {
            JobStatus.Processing => new ExportEvent { Type = ExportEventType.Started, At = j.StartedAt ?? j.UpdatedAt, Attempt = j.Attempts, Node = j.Node },
            JobStatus.Completed => new ExportEvent { Type = ExportEventType.Completed, At = at, Node = j.Node, Rows = j.RowCount, Bytes = j.SizeBytes ?? j.BytesWritten },
            JobStatus.Failed => new ExportEvent { Type = ExportEventType.Failed, At = at, Node = j.Node, Error = j.Error },
            JobStatus.Cancelled => new ExportEvent { Type = ExportEventType.Cancelled, At = at, By = j.CancelledBy },
            JobStatus.Expired => new ExportEvent { Type = ExportEventType.Expired, At = j.UpdatedAt },
            _ => null,
        };
        if (end is not null) steps.Add(end with { Synthesized = true });
        return steps;
    }
}
