using Marten;
using Npgsql;

namespace Exports.Jobs;

// A job's lifecycle as a Marten event stream (stream id = job id): one event per transition, appended by JobRecords in
// the transaction of the conditional statement that made it, and only when that statement changed a row. Progress
// ticks and beats are not events. The export_jobs record stays the read model (lists, quotas, fences); the stream is
// the job's history. Each event carries the instant of the app's clock that the record was given.

/// <summary>Recorded and queued (by its owner's submission).</summary>
public sealed record JobQueued(DateTimeOffset At, Guid OwnerId, string Kind, string Format);

/// <summary>An attempt began on <paramref name="Node"/>; <paramref name="RecoveredFrom"/> names the node it was taken
/// over from when that node had stopped beating it.</summary>
public sealed record JobStarted(DateTimeOffset At, int Attempt, string Node, string? RecoveredFrom = null);

/// <summary>An attempt failed with a transient error; the next one follows after a back-off.</summary>
public sealed record JobRetrying(DateTimeOffset At, int Attempt, string Node, string Error);

/// <param name="FromCache">The export whose file answered this one (the result cache); null when computed.</param>
public sealed record JobCompleted(DateTimeOffset At, string Node, long Rows, long Bytes, string Checksum, Guid? FromCache = null);

/// <param name="Node">The run that failed it; null when no node ran it (a pending job that could not start).</param>
public sealed record JobFailed(DateTimeOffset At, string? Node, string? Error);

public sealed record JobCancelRequested(DateTimeOffset At, string By);

/// <param name="Node">The run that stopped; null for a pending job, cancelled at once.</param>
public sealed record JobCancelled(DateTimeOffset At, string? By, string? Node);

/// <summary>Its file was removed at the end of its retention.</summary>
public sealed record JobExpired(DateTimeOffset At);

/// <summary>No longer appended: deleting a job deletes its stream with its record (JobRecords.DeleteAsync). Kept
/// registered so a stream an earlier build wrote still reads back.</summary>
public sealed record JobDeleted(DateTimeOffset At);

public static class JobEvents
{
    /// <summary>Registered with the document store (<see cref="Exports.Host.Documents"/>), which then makes the event
    /// tables at start-up.</summary>
    public static readonly Type[] Types =
    [
        typeof(JobQueued), typeof(JobStarted), typeof(JobRetrying), typeof(JobCompleted), typeof(JobFailed),
        typeof(JobCancelRequested), typeof(JobCancelled), typeof(JobExpired), typeof(JobDeleted),
    ];

    /// <summary>Appends <paramref name="events"/> to the job's stream inside <paramref name="tx"/> (the caller commits
    /// or rolls back: the events go with its statement or not at all).</summary>
    /// <remarks>Invariant: an append always follows a statement that changed (and so locked) the job's row in the same
    /// READ COMMITTED transaction <paramref name="tx"/> (or inserted it, for the Queued event). That row lock, held to
    /// the commit, orders two transitions of one job: the second waits, re-checks its conditions on the newest row and
    /// is refused (no row, no append) when the first made it stale. So a stream's events are in the order of the
    /// record's changes, and a transition that lost its fence appends nothing. Never append without such a statement
    /// first: nothing else serializes appends to one stream (JobTimelineTests races the transitions).</remarks>
    public static async Task AppendAsync(IDocumentStore store, NpgsqlTransaction tx, Guid job, CancellationToken ct, params object[] events)
    {
        if (events.Length == 0) return;
        await using var session = store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(tx));
        session.Events.Append(job, events);
        await session.SaveChangesAsync(ct);
    }

    /// <summary>A transition and its event in one statement: <paramref name="update"/> (an <c>UPDATE export_jobs ...
    /// RETURNING</c> using parameters $1..$<paramref name="used"/>) runs in a CTE, and for the row it changed (none:
    /// nothing is appended) the event goes to the job's stream through Marten's own append function, the one its
    /// sessions call in Quick mode (same arguments: event id, type name, .NET type, body from Marten's serializer).
    /// One round trip and one implicit transaction instead of four statements and a session: measured as most of a
    /// small job's start and completion time. <paramref name="patch"/> is a jsonb expression over the changed row's
    /// columns (<c>changed.x</c>) merged into the body, for the event's fields only the statement knows (an attempt
    /// number); <paramref name="alsoSelect"/> adds expressions to the select list (a notification). The same invariant as <see cref="AppendAsync"/>: the append follows the statement that changed, and
    /// so locked, the row. JobTimelineTests read these events back through Marten.</summary>
    /// <param name="alsoWith">More common table expressions after <c>changed</c> (<c>name AS (...)</c>), for writes that
    /// go with the transition (a submission's ledger line).</param>
    public static (string Sql, object[] Args) Appending(IDocumentStore store, string update, int used, Guid job, object evt, string? patch = null, string? alsoSelect = null,
        string? alsoWith = null)
    {
        var mapping = ((Marten.Events.EventGraph)store.Options.Events).EventMappingFor(evt.GetType());
        var sql = $"""
            WITH changed AS (
            {update}
            ){(alsoWith is null ? "" : ", " + alsoWith)}
            SELECT changed.*, {Exports.Host.Documents.Schema}.mt_quick_append_events(${used + 1}, NULL, '{JasperFx.StorageConstants.DefaultTenantId}',
                ARRAY[${used + 2}]::uuid[], ARRAY[${used + 3}]::varchar[], ARRAY[${used + 4}]::varchar[],
                ARRAY[${used + 5}::jsonb{(patch is null ? "" : " || " + patch)}], ARRAY[NULL]::bytea[], NULL){(alsoSelect is null ? "" : ", " + alsoSelect)}
            FROM changed
            """;
        return (sql, [job, Guid.CreateVersion7(), mapping.EventTypeName, mapping.DotNetTypeName, store.Options.Serializer().ToJson(evt)]);
    }
}
