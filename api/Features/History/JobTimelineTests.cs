using System.Diagnostics;
using System.Text.Json;
using Exports.Features.History;
using Exports.Host;
using Exports.Jobs;
using Exports.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;
using static Exports.Tests.Infrastructure.JobTestKit;

namespace Exports.Tests.Features.History;

/// <summary>Each export job's lifecycle as its event stream, read through GET /exports/{id}/timeline: what each
/// transition appends (only when its fenced statement changed the record, and in its transaction), what a job without
/// a stream shows, and owner isolation. Jobs driven by hand are recorded under a cluster name the fixture's worker
/// does not recover, and have no message: only the test moves them.</summary>
[Collection(ApiCollection.Name)]
public sealed class JobTimelineTests(ApiFixture api, ITestOutputHelper output)
{
    const string Elsewhere = "timeline-tests";
    T Service<T>() where T : notnull => api.Host.Services.GetRequiredService<T>();
    JobRecords Records => Service<JobRecords>();

    static async Task<JsonElement[]> TimelineAsync(HttpClient c, object id) =>
        [.. (await (await c.GetAsync($"/api/v1/exports/{id}/timeline")).JsonAsync()).EnumerateArray()];

    static string Type(JsonElement e) => e.GetProperty("type").GetString()!;
    static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.GetString() : null;

    /// <summary>A pending job recorded as a submission records it (record, ledger and Queued event in one transaction),
    /// without a message: nothing runs it but the test.</summary>
    async Task<JobRecord> QueuedAsync(Guid owner, bool withStream = true)
    {
        var envelope = JsonSerializer.Deserialize<ExportEnvelope>(JsonSerializer.Serialize(TextLayout()), JsonSerializerOptions.Web)!;
        var (job, refused) = await Service<JobQueue>().PlanAsync(owner, envelope, default);
        Assert.Null(refused);
        await using var conn = await api.Db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await JobRecords.InsertAsync(conn, job!, default);
        if (withStream) await Records.AppendAsync(tx, job!.Id, default, new JobQueued(job.CreatedAt, owner, job.Kind, job.Format));
        await tx.CommitAsync();
        return job!;
    }

    Task<int?> StartAsync(Guid id, string node, DateTimeOffset? staleBefore = null) =>
        Records.StartAttemptAsync(id, node, Elsewhere, DateTimeOffset.UtcNow, staleBefore ?? DateTimeOffset.UtcNow.AddMinutes(-5), default);

    Task<long> StreamEventsAsync(Guid id) => api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_events WHERE stream_id = $1", id);

    /// <summary>The live watch (GET /exports/{id}/events) hears of a start and an end as they commit (JobSignals), not
    /// at its next 250 ms poll: the delay from each transition's return to its state event, over 10 jobs driven by hand.
    /// Polling alone gives a median near 125 ms (uniform over the interval); the signal a few ms.</summary>
    [Fact]
    public async Task Watch_SeesStartAndEnd_AsTheyCommit_NotAtItsNextPoll()
    {
        var (owner, c) = await api.NewUserAsync();
        var delays = new List<double>();
        for (var i = 0; i < 10; i++)
        {
            var job = await QueuedAsync(owner);
            using var stream = await c.GetStreamAsync($"/api/v1/exports/{job.Id}/events");
            using var reader = new StreamReader(stream);
            async Task<string> NextStateAsync()
            {
                string? name = null;
                while (await reader.ReadLineAsync() is { } line)
                {
                    if (line.StartsWith("event: ")) name = line[7..];
                    else if (line.StartsWith("data: ") && name == "state") return JsonDocument.Parse(line[6..]).RootElement.GetProperty("status").GetString()!;
                }
                throw new InvalidOperationException("The watch ended without a state");
            }
            Assert.Equal("pending", await NextStateAsync());
            await Task.Delay(Random.Shared.Next(20, 120)); // anywhere in the watch's poll interval
            Assert.Equal(1, await StartAsync(job.Id, "n:watch"));
            var sw = Stopwatch.StartNew();
            Assert.Equal("processing", await NextStateAsync());
            delays.Add(sw.Elapsed.TotalMilliseconds);
            await Task.Delay(Random.Shared.Next(20, 120));
            Assert.True(await Records.CompleteAsync(job.Id, "n:watch", 1, 1, "sha256:x", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1), default));
            sw.Restart();
            Assert.Equal("completed", await NextStateAsync());
            delays.Add(sw.Elapsed.TotalMilliseconds);
        }
        delays.Sort();
        output.WriteLine($"state event after its transition: median {delays[delays.Count / 2]:F1} ms, max {delays[^1]:F1} ms");
        Assert.True(delays[delays.Count / 2] < 60, $"median {delays[delays.Count / 2]:F1} ms: {string.Join(", ", delays.Select(d => d.ToString("F0")))}");
    }

    [Fact]
    public async Task CompletedJob_IsQueuedStartedCompleted_WithAttemptOneAndItsNode()
    {
        var (_, c) = await api.NewUserAsync();
        var done = await SubmitAndCompleteAsync(api.Host, c, TextLayout());
        var id = done.GetProperty("id").GetString()!;
        var steps = await TimelineAsync(c, id);
        Assert.Equal(["queued", "started", "completed"], steps.Select(Type));
        Assert.Equal(1, steps[1].GetProperty("attempt").GetInt32());
        Assert.Equal(done.GetProperty("node").GetString(), Str(steps[1], "node"));
        Assert.Null(Str(steps[1], "recoveredFrom"));
        Assert.Equal(done.GetProperty("node").GetString(), Str(steps[2], "node"));
        Assert.Equal(done.GetProperty("sizeBytes").GetInt64(), steps[2].GetProperty("bytes").GetInt64());
        Assert.Equal(done.GetProperty("rowCount").GetInt64(), steps[2].GetProperty("rows").GetInt64());
        // The record's own instants: queued when created, completed when completed, oldest first.
        Assert.Equal(done.GetProperty("createdAt").GetDateTimeOffset(), steps[0].GetProperty("at").GetDateTimeOffset());
        Assert.Equal(done.GetProperty("completedAt").GetDateTimeOffset(), steps[2].GetProperty("at").GetDateTimeOffset());
        Assert.True(steps.Zip(steps.Skip(1)).All(p => p.First.GetProperty("at").GetDateTimeOffset() <= p.Second.GetProperty("at").GetDateTimeOffset()));
        Assert.False(steps.Any(s => s.TryGetProperty("synthesized", out _)));
        // Progress ticks and beats are not events: exactly the three transitions are stored.
        Assert.Equal(3L, await StreamEventsAsync(Guid.Parse(id)));
    }

    [Fact]
    public async Task RetryThenSuccess_ShowsBothAttemptsAndTheError()
    {
        var (owner, c) = await api.NewUserAsync();
        var job = await QueuedAsync(owner);
        Assert.Equal(1, await StartAsync(job.Id, "n:1:a"));
        await Records.RetryingAsync(job.Id, "n:1:a", "Attempt 1 failed: connection reset. Retrying.", DateTimeOffset.UtcNow, default);
        Assert.Equal(2, await StartAsync(job.Id, "n:1:a"));
        Assert.True(await Records.CompleteAsync(job.Id, "n:1:a", 10, 200, "sha256:x", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1), default));
        var steps = await TimelineAsync(c, job.Id);
        Assert.Equal(["queued", "started", "retrying", "started", "completed"], steps.Select(Type));
        Assert.Equal([1, 1, 2], new[] { steps[1], steps[2], steps[3] }.Select(s => s.GetProperty("attempt").GetInt32()));
        Assert.Equal("Attempt 1 failed: connection reset. Retrying.", Str(steps[2], "error"));
        Assert.Null(Str(steps[3], "recoveredFrom")); // the same node's next attempt is not a take-over
        Assert.Equal(10, steps[4].GetProperty("rows").GetInt64());
        Assert.Equal(200, steps[4].GetProperty("bytes").GetInt64());
    }

    [Fact]
    public async Task Cancel_OfAPendingAndOfARunningJob_SaysWho()
    {
        var (owner, c) = await api.NewUserAsync();
        var pending = await QueuedAsync(owner);
        await (await c.PostAsync($"/api/v1/exports/{pending.Id}/cancel", null)).JsonAsync();
        var by = (await GetAsync(c, pending.Id.ToString())).GetProperty("cancelledBy").GetString();
        Assert.False(string.IsNullOrEmpty(by));
        var steps = await TimelineAsync(c, pending.Id);
        Assert.Equal(["queued", "cancelRequested", "cancelled"], steps.Select(Type));
        Assert.Equal([by, by], steps.Skip(1).Select(s => Str(s, "by")));
        Assert.Null(Str(steps[2], "node"));

        var running = await QueuedAsync(owner);
        Assert.Equal(1, await StartAsync(running.Id, "n:2:a"));
        await (await c.PostAsync($"/api/v1/exports/{running.Id}/cancel", null)).JsonAsync();
        Assert.Equal(["queued", "started", "cancelRequested"], (await TimelineAsync(c, running.Id)).Select(Type));
        // The runner sees the flag and stops: a completion loses its fence and appends nothing; the cancel does.
        Assert.False(await Records.CompleteAsync(running.Id, "n:2:a", 1, 1, "sha256:x", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, default));
        Assert.True(await Records.FinishAsync(running.Id, JobStatus.Cancelled, null, DateTimeOffset.UtcNow, default, "n:2:a"));
        steps = await TimelineAsync(c, running.Id);
        Assert.Equal(["queued", "started", "cancelRequested", "cancelled"], steps.Select(Type));
        Assert.Equal(by, Str(steps[3], "by"));
        Assert.Equal("n:2:a", Str(steps[3], "node"));
        // A second cancel is a 409 and appends nothing.
        await (await c.PostAsync($"/api/v1/exports/{running.Id}/cancel", null)).ProblemAsync(409);
        Assert.Equal(4L, await StreamEventsAsync(running.Id));
    }

    [Fact]
    public async Task Failure_RecordsTheErrorAndTheNode()
    {
        var (owner, c) = await api.NewUserAsync();
        var job = await QueuedAsync(owner);
        Assert.Equal(1, await StartAsync(job.Id, "n:3:a"));
        Assert.True(await Records.FinishAsync(job.Id, JobStatus.Failed, "The file would exceed 1 MB.", DateTimeOffset.UtcNow, default, "n:3:a"));
        // A finished job cannot fail again, from any node: nothing more is appended.
        Assert.False(await Records.FailUnrunnableAsync(job.Id, "n:3:a", "again", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(1), default));
        var steps = await TimelineAsync(c, job.Id);
        Assert.Equal(["queued", "started", "failed"], steps.Select(Type));
        Assert.Equal("The file would exceed 1 MB.", Str(steps[2], "error"));
        Assert.Equal("n:3:a", Str(steps[2], "node"));
    }

    [Fact]
    public async Task TakeOver_NamesTheNewNodeAndTheOneItRecoveredFrom_AndTheLoserAppendsNothing()
    {
        var (owner, c) = await api.NewUserAsync();
        var job = await QueuedAsync(owner);
        Assert.Equal(1, await StartAsync(job.Id, "n:4:a"));
        // Another node cannot take a job whose node still beats it: no event.
        Assert.Null(await StartAsync(job.Id, "n:4:b"));
        Assert.Equal(2L, await StreamEventsAsync(job.Id));
        // Once node a is stale (its last beat before staleBefore), node b takes it over.
        Assert.Equal(2, await StartAsync(job.Id, "n:4:b", staleBefore: DateTimeOffset.UtcNow.AddMinutes(1)));
        // Node a comes back and tries to finish: it lost the job, every fence refuses, nothing is appended.
        Assert.False(await Records.CompleteAsync(job.Id, "n:4:a", 1, 1, "sha256:a", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1), default));
        Assert.False(await Records.FinishAsync(job.Id, JobStatus.Failed, "a's error", DateTimeOffset.UtcNow, default, "n:4:a"));
        await Records.RetryingAsync(job.Id, "n:4:a", "a's retry", DateTimeOffset.UtcNow, default);
        Assert.Equal(3L, await StreamEventsAsync(job.Id));
        Assert.True(await Records.CompleteAsync(job.Id, "n:4:b", 5, 50, "sha256:b", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1), default));
        // And a second completion by the node that already finished it loses the fence too.
        Assert.False(await Records.CompleteAsync(job.Id, "n:4:b", 5, 50, "sha256:b", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1), default));
        var steps = await TimelineAsync(c, job.Id);
        Assert.Equal(["queued", "started", "started", "completed"], steps.Select(Type));
        Assert.Equal(("n:4:a", 1, null), (Str(steps[1], "node"), steps[1].GetProperty("attempt").GetInt32(), Str(steps[1], "recoveredFrom")));
        Assert.Equal(("n:4:b", 2, "n:4:a"), (Str(steps[2], "node"), steps[2].GetProperty("attempt").GetInt32(), Str(steps[2], "recoveredFrom")));
        Assert.Equal("n:4:b", Str(steps[3], "node"));
    }

    [Fact]
    public async Task RetentionExpiry_EndsTheTimeline_AndDeleteRemovesTheStreamBehindA404()
    {
        var (_, c) = await api.NewUserAsync();
        var done = await SubmitAndCompleteAsync(api.Host, c, TextLayout());
        var id = done.GetProperty("id").GetGuid();
        await api.ScalarAsync<int>("UPDATE export_jobs SET expires_at = now() - interval '1 minute' WHERE id = $1 RETURNING 1", id);
        Assert.True(await Service<RetentionSweep>().RunAsync(default) >= 1);
        var expired = await GetAsync(c, id.ToString());
        var steps = await TimelineAsync(c, id);
        Assert.Equal(["queued", "started", "completed", "expired"], steps.Select(Type));
        Assert.Equal(expired.GetProperty("updatedAt").GetDateTimeOffset(), steps[3].GetProperty("at").GetDateTimeOffset());
        // A second sweep finds nothing to expire and appends nothing.
        await Service<RetentionSweep>().RunAsync(default);
        Assert.Equal(4L, await StreamEventsAsync(id));

        // Another owner cannot delete it, and that attempt removes nothing.
        var (_, other) = await api.NewUserAsync();
        await (await other.DeleteAsync($"/api/v1/exports/{id}")).ProblemAsync(404);
        Assert.Equal(4L, await StreamEventsAsync(id));

        // Deleting it deletes its history with it: no event, no stream row; the record and its timeline are gone.
        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await c.DeleteAsync($"/api/v1/exports/{id}")).StatusCode);
        await (await c.GetAsync($"/api/v1/exports/{id}/timeline")).ProblemAsync(404);
        await (await c.GetAsync($"/api/v1/exports/{id}")).ProblemAsync(404);
        Assert.Null(await Records.GetAsync(id, default));
        Assert.Equal(0L, await StreamEventsAsync(id));
        Assert.Equal(0L, await api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_streams WHERE id = $1", id));
        Assert.Empty(await Records.EventsAsync(id, default));
        // A second delete is a 404 and creates nothing.
        await (await c.DeleteAsync($"/api/v1/exports/{id}")).ProblemAsync(404);
        Assert.Equal(0L, await api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_streams WHERE id = $1", id));
    }

    /// <summary>Deleting a job that never expired (completed, with a stream of three events) removes its stream too,
    /// and leaves other jobs' streams alone.</summary>
    [Fact]
    public async Task DeletingACompletedJob_RemovesItsStreamOnly()
    {
        var (_, c) = await api.NewUserAsync();
        var gone = (await SubmitAndCompleteAsync(api.Host, c, TextLayout())).GetProperty("id").GetGuid();
        var kept = (await SubmitAndCompleteAsync(api.Host, c, TextLayout())).GetProperty("id").GetGuid();
        Assert.Equal(3L, await StreamEventsAsync(gone));
        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await c.DeleteAsync($"/api/v1/exports/{gone}")).StatusCode);
        Assert.Equal(0L, await StreamEventsAsync(gone));
        Assert.Equal(0L, await api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_streams WHERE id = $1", gone));
        Assert.Equal(3L, await StreamEventsAsync(kept));
        Assert.Equal(["queued", "started", "completed"], (await TimelineAsync(c, kept)).Select(Type));
    }

    [Fact]
    public async Task RolledBackSubmit_LeavesNoStream_ACommittedOneHasItsQueuedEvent()
    {
        var (owner, _) = await api.NewUserAsync();
        var queue = Service<JobQueue>();
        var envelope = JsonSerializer.Deserialize<ExportEnvelope>(JsonSerializer.Serialize(TextLayout()), JsonSerializerOptions.Web)!;
        Guid? doomed = null;
        await Assert.ThrowsAsync<InvalidOperationException>(() => queue.SubmitAsync(owner, envelope, null, default,
            (_, job, _) => { doomed = job.Id; throw new InvalidOperationException("the run row could not be written (test)"); }));
        Assert.NotNull(doomed);
        Assert.Equal(0L, await StreamEventsAsync(doomed.Value));
        Assert.Equal(0L, await api.ScalarAsync<long>($"SELECT count(*) FROM {Documents.Schema}.mt_streams WHERE id = $1", doomed.Value));

        // The same submission with its transaction committed: the stream begins with Queued (what the check above would miss).
        Guid? kept = null;
        await TrackedAsync(api.Host, async () =>
        {
            var (ok, refused) = await queue.SubmitAsync(owner, envelope, null, default, (_, job, _) => { kept = job.Id; return Task.CompletedTask; });
            Assert.Null(refused);
        });
        var stream = await Records.EventsAsync(kept!.Value, default);
        var queued = Assert.IsType<JobQueued>(stream[0].Data);
        Assert.Equal(owner, queued.OwnerId);
    }

    [Fact]
    public async Task AnotherOwner_Gets404_AndUnknownIds404()
    {
        var (_, c) = await api.NewUserAsync();
        var (_, other) = await api.NewUserAsync();
        var done = await SubmitAndCompleteAsync(api.Host, c, TextLayout());
        var id = done.GetProperty("id").GetString()!;
        await (await other.GetAsync($"/api/v1/exports/{id}/timeline")).ProblemAsync(404);
        await (await c.GetAsync($"/api/v1/exports/{Guid.NewGuid()}/timeline")).ProblemAsync(404);
        await (await c.GetAsync($"/api/v1/exports/{Guid.Empty}/timeline")).ProblemAsync(404);
        await (await c.GetAsync("/api/v1/exports/not-a-guid/timeline")).ProblemAsync(404);
        Assert.Equal(3, (await TimelineAsync(c, id)).Length);
    }

    /// <summary>A job recorded before streams existed: the timeline is what its record says, marked synthesized.</summary>
    [Fact]
    public async Task JobWithoutAStream_GetsQueuedAndItsFinalStateFromTheRecord_MarkedSynthesized()
    {
        var (owner, c) = await api.NewUserAsync();
        var job = await QueuedAsync(owner, withStream: false);
        var steps = await TimelineAsync(c, job.Id);
        Assert.Equal(["queued"], steps.Select(Type));
        Assert.True(steps[0].GetProperty("synthesized").GetBoolean());

        await api.ScalarAsync<int>("""
            UPDATE export_jobs SET status = 'failed', phase = 'done', error = 'old failure', node = 'old:1', attempts = 3,
                started_at = created_at, completed_at = created_at + interval '5 seconds' WHERE id = $1 RETURNING 1
            """, job.Id);
        var record = await GetAsync(c, job.Id.ToString());
        steps = await TimelineAsync(c, job.Id);
        Assert.Equal(["queued", "failed"], steps.Select(Type));
        Assert.All(steps, s => Assert.True(s.GetProperty("synthesized").GetBoolean()));
        Assert.Equal(record.GetProperty("createdAt").GetDateTimeOffset(), steps[0].GetProperty("at").GetDateTimeOffset());
        Assert.Equal(record.GetProperty("completedAt").GetDateTimeOffset(), steps[1].GetProperty("at").GetDateTimeOffset());
        Assert.Equal(("old failure", "old:1"), (Str(steps[1], "error"), Str(steps[1], "node")));
        Assert.Equal(0L, await StreamEventsAsync(job.Id)); // reading synthesizes; it writes nothing
    }

    /// <summary>A job without a stream still running its third attempt: the synthesized start is at the job's first
    /// start (the record keeps no later one), with the attempts so far and the node running it now.</summary>
    [Fact]
    public async Task JobWithoutAStream_StillRunning_IsStartedAtItsFirstStart_WithItsAttemptsSoFar()
    {
        var (owner, c) = await api.NewUserAsync();
        var job = await QueuedAsync(owner, withStream: false);
        await api.ScalarAsync<int>("""
            UPDATE export_jobs SET status = 'processing', phase = 'writing', node = 'old:3', attempts = 3, cluster = 'timeline-tests',
                started_at = created_at + interval '1 second', updated_at = created_at + interval '9 seconds' WHERE id = $1 RETURNING 1
            """, job.Id);
        var record = await GetAsync(c, job.Id.ToString());
        var steps = await TimelineAsync(c, job.Id);
        Assert.Equal(["queued", "started"], steps.Select(Type));
        Assert.Equal(record.GetProperty("startedAt").GetDateTimeOffset(), steps[1].GetProperty("at").GetDateTimeOffset());
        Assert.NotEqual(record.GetProperty("updatedAt").GetDateTimeOffset(), steps[1].GetProperty("at").GetDateTimeOffset());
        Assert.Equal((3, "old:3"), (steps[1].GetProperty("attempt").GetInt32(), Str(steps[1], "node")));
        Assert.True(steps[1].GetProperty("synthesized").GetBoolean());
    }

    /// <summary>FinishAsync refuses a completion before touching the record: nothing changes, nothing is appended.</summary>
    [Fact]
    public async Task FinishAsCompleted_IsRefusedBeforeAnyStatement()
    {
        var (owner, _) = await api.NewUserAsync();
        var job = await QueuedAsync(owner);
        Assert.Equal(1, await StartAsync(job.Id, "n:8:a"));
        await Assert.ThrowsAsync<ArgumentException>(() => Records.FinishAsync(job.Id, JobStatus.Completed, null, DateTimeOffset.UtcNow, default, "n:8:a"));
        var record = (await Records.GetAsync(job.Id, default))!;
        Assert.Equal((JobStatus.Processing, "starting", (DateTimeOffset?)null), (record.Status, record.Phase, record.CompletedAt));
        Assert.Equal(2L, await StreamEventsAsync(job.Id));
    }

    /// <summary>A job completed before streams existed and expired after: its stream is only the expiry, so the
    /// timeline takes its queued and completed steps from the record (synthesized) and then the streamed expiry.</summary>
    [Fact]
    public async Task JobCompletedBeforeStreams_ThenExpired_ShowsItsSynthesizedPastThenTheStreamedExpiry()
    {
        var (owner, c) = await api.NewUserAsync();
        var job = await QueuedAsync(owner, withStream: false);
        await api.ScalarAsync<int>("""
            UPDATE export_jobs SET status = 'completed', phase = 'done', node = 'old:2', attempts = 1, row_count = 7, size_bytes = 70,
                started_at = created_at, completed_at = created_at + interval '1 second', expires_at = now() - interval '1 minute'
            WHERE id = $1 RETURNING 1
            """, job.Id);
        var completed = await GetAsync(c, job.Id.ToString());
        Assert.True(await Service<RetentionSweep>().RunAsync(default) >= 1);
        var steps = await TimelineAsync(c, job.Id);
        Assert.Equal(["queued", "completed", "expired"], steps.Select(Type));
        Assert.Equal([true, true, false], steps.Select(s => s.TryGetProperty("synthesized", out var v) && v.GetBoolean()));
        Assert.Equal(completed.GetProperty("completedAt").GetDateTimeOffset(), steps[1].GetProperty("at").GetDateTimeOffset());
        Assert.Equal((7L, 70L, "old:2"), (steps[1].GetProperty("rows").GetInt64(), steps[1].GetProperty("bytes").GetInt64(), Str(steps[1], "node")));
        Assert.Equal(1L, await StreamEventsAsync(job.Id));
    }

    /// <summary>Transitions that race on one job: a cancel against the completion, and a take-over start against the
    /// running node's progress, run in parallel many times. Nothing throws, the record ends in one state, and the stream
    /// holds the winner's events only (the row lock of each conditional statement orders them, JobEvents.AppendAsync).</summary>
    [Fact]
    public async Task RacingTransitions_OneWinner_TheStreamMatchesTheRecord()
    {
        var (owner, _) = await api.NewUserAsync();
        const int rounds = 50;
        var (cancelWins, completeWins, takeOvers, progressWins) = (0, 0, 0, 0);
        for (var i = 0; i < rounds; i++)
        {
            // Cancel against completion.
            var job = await QueuedAsync(owner);
            Assert.Equal(1, await StartAsync(job.Id, "n:6:a"));
            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var cancel = Task.Run(async () => { await go.Task; return await Records.RequestCancelAsync(owner, job.Id, "racer", DateTimeOffset.UtcNow, default); });
            var complete = Task.Run(async () => { await go.Task; return await Records.CompleteAsync(job.Id, "n:6:a", 3, 30, "sha256:r", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1), default); });
            go.SetResult();
            var (requested, completed) = (await cancel, await complete);
            Assert.True(requested is null != completed is false, $"round {i}: cancel {requested is not null}, complete {completed}");
            // The runner that saw the flag stops; after a completion the cancel's finish is refused.
            var cancelled = await Records.FinishAsync(job.Id, JobStatus.Cancelled, null, DateTimeOffset.UtcNow, default, "n:6:a");
            Assert.Equal(requested is not null, cancelled);
            var record = (await Records.GetAsync(job.Id, default))!;
            var types = (await Records.EventsAsync(job.Id, default)).Select(e => e.Data.GetType()).ToArray();
            if (completed)
            {
                completeWins++;
                Assert.Equal((JobStatus.Completed, false), (record.Status, record.CancelRequested));
                Assert.Equal([typeof(JobQueued), typeof(JobStarted), typeof(JobCompleted)], types);
            }
            else
            {
                cancelWins++;
                Assert.Equal((JobStatus.Cancelled, true, "racer"), (record.Status, record.CancelRequested, record.CancelledBy));
                Assert.Equal([typeof(JobQueued), typeof(JobStarted), typeof(JobCancelRequested), typeof(JobCancelled)], types);
            }

            // A take-over start against the running node's progress: node a's last write is old, so b may take it over
            // unless a's progress lands first (then a is alive again and b is refused).
            var run = await QueuedAsync(owner);
            Assert.Equal(1, await StartAsync(run.Id, "n:6:a"));
            await api.ScalarAsync<int>("UPDATE export_jobs SET updated_at = now() - interval '1 minute' WHERE id = $1 RETURNING 1", run.Id);
            var staleBefore = DateTimeOffset.UtcNow.AddSeconds(-30);
            go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var takeOver = Task.Run(async () => { await go.Task; return await StartAsync(run.Id, "n:6:b", staleBefore); });
            var progress = Task.Run(async () => { await go.Task; return await Records.ProgressAsync(run.Id, "n:6:a", "writing", 1, 10, DateTimeOffset.UtcNow, default); });
            go.SetResult();
            var (attempt, alive) = (await takeOver, await progress);
            Assert.True(attempt is null != alive is null, $"round {i}: take-over {attempt}, progress {alive}");
            record = (await Records.GetAsync(run.Id, default))!;
            var events = (await Records.EventsAsync(run.Id, default)).Select(e => e.Data).ToArray();
            Assert.Equal(JobStatus.Processing, record.Status);
            if (attempt is not null)
            {
                takeOvers++;
                Assert.Equal((2, "n:6:b", 0L), (record.Attempts, record.Node, record.RowsWritten));
                Assert.Equal(3, events.Length);
                var started = Assert.IsType<JobStarted>(events[2]);
                Assert.Equal((2, "n:6:b", "n:6:a"), (started.Attempt, started.Node, started.RecoveredFrom));
            }
            else
            {
                progressWins++;
                Assert.Equal((1, "n:6:a", 1L), (record.Attempts, record.Node, record.RowsWritten));
                Assert.Equal([typeof(JobQueued), typeof(JobStarted)], events.Select(e => e.GetType()));
            }
            Assert.Equal(events.Length, (int)await StreamEventsAsync(run.Id));
        }
        output.WriteLine($"{rounds} rounds: cancel won {cancelWins}, completion won {completeWins}; take-over won {takeOvers}, progress won {progressWins}");
    }

    /// <summary>A start does not wait for a transaction that inserted a row referencing the job (a delivery): its FK
    /// check holds a key-share lock on the job row, which a plain UPDATE does not conflict with (a FOR UPDATE read did),
    /// whether the start is refused or succeeds.</summary>
    [Fact]
    public async Task Start_DoesNotWaitForAnOpenDeliveryInsertOfItsJob()
    {
        var (owner, _) = await api.NewUserAsync();
        var job = await QueuedAsync(owner);
        Assert.Equal(1, await StartAsync(job.Id, "n:7:a"));
        await using var conn = await api.Db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO export_deliveries (id, export_id, destination_id, destination_name, kind, status)
            VALUES ($1, $2, $3, 'fk-lock', 'webhook', 'pending')
            """, conn, tx))
        {
            foreach (var v in new object[] { Guid.NewGuid(), job.Id, Guid.NewGuid() }) insert.Parameters.Add(new NpgsqlParameter { Value = v });
            await insert.ExecuteNonQueryAsync();
        }
        // Refused (node a still beats it), then the same node's next attempt: neither waits for the open insert.
        var refused = StartAsync(job.Id, "n:7:b");
        Assert.Same(refused, await Task.WhenAny(refused, Task.Delay(TimeSpan.FromSeconds(10))));
        Assert.Null(await refused);
        var next = StartAsync(job.Id, "n:7:a");
        Assert.Same(next, await Task.WhenAny(next, Task.Delay(TimeSpan.FromSeconds(10))));
        Assert.Equal(2, await next);
        await tx.RollbackAsync();
        Assert.Equal(3L, await StreamEventsAsync(job.Id));
    }

    /// <summary>The added cost per transition: a start and a completion through JobRecords (statement and event in one
    /// transaction) against the same two statements in the same kind of transaction without the event, on many jobs,
    /// after a warm-up of both paths; printed, not asserted (a timing on a shared machine proves nothing). What is
    /// asserted: every evented job has exactly its three events, and the bare path appended none.</summary>
    [Fact]
    public async Task EventPerTransition_CostIsPrinted()
    {
        var (owner, _) = await api.NewUserAsync();
        const int warmUp = 10, n = 60;
        var withEvents = new List<JobRecord>();
        var plain = new List<JobRecord>();
        for (var i = 0; i < warmUp + n; i++) { withEvents.Add(await QueuedAsync(owner)); plain.Add(await QueuedAsync(owner, withStream: false)); }

        async Task Evented(JobRecord j)
        {
            await StartAsync(j.Id, "n:5:a");
            await Records.CompleteAsync(j.Id, "n:5:a", 1, 1, "sha256:x", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1), default);
        }
        async Task Bare(JobRecord j)
        {
            var now = DateTimeOffset.UtcNow;
            await BareTransitionAsync(JobRecords.StartSql, j.Id, "n:5:a", now, now.AddMinutes(-5), Elsewhere);
            await BareTransitionAsync(JobRecords.CompleteSql, j.Id, 1L, 1L, "sha256:x", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1), "n:5:a");
        }
        for (var i = 0; i < warmUp; i++) { await Evented(withEvents[i]); await Bare(plain[i]); }

        // Interleaved halves, so a burst of load on the machine falls on both sides alike.
        var (evented, bare) = (TimeSpan.Zero, TimeSpan.Zero);
        var sw = new Stopwatch();
        for (var i = warmUp; i < warmUp + n; i++)
        {
            sw.Restart(); await Evented(withEvents[i]); evented += sw.Elapsed;
            sw.Restart(); await Bare(plain[i]); bare += sw.Elapsed;
        }
        var (e, b) = (evented.TotalMilliseconds / (2 * n), bare.TotalMilliseconds / (2 * n));
        output.WriteLine($"per transition ({n} jobs, 2 each): {e:F2} ms with its event, {b:F2} ms without; +{e - b:F2} ms");
        foreach (var j in withEvents) Assert.Equal(3L, await StreamEventsAsync(j.Id));
        foreach (var j in plain)
        {
            Assert.Equal(JobStatus.Completed, (await Records.GetAsync(j.Id, default))!.Status);
            Assert.Equal(0L, await StreamEventsAsync(j.Id));
        }
    }

    /// <summary>What TransitionAsync does without the append: the statement in its own transaction, its row read.</summary>
    async Task BareTransitionAsync(string sql, params object[] args)
    {
        await using var conn = await api.Db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await using (var cmd = new NpgsqlCommand(sql, conn, tx))
        {
            foreach (var a in args) cmd.Parameters.Add(new NpgsqlParameter { Value = a });
            await using var r = await cmd.ExecuteReaderAsync();
            Assert.True(await r.ReadAsync());
        }
        await tx.CommitAsync();
    }
}
