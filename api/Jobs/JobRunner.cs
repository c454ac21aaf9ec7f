using Exports.Storage;
using System.Security.Cryptography;
using System.Text.Json;
using Exports.Host;
using Exports.Layouts;
using Exports.Series;
using Npgsql;

namespace Exports.Jobs;

/// <summary>Thrown when a file outgrows the per-file limit: a permanent failure with a reason the user can act on.</summary>
public sealed class ArtifactTooLargeException(long limit) : Exception(
    $"The file grew past the {limit:N0}-byte limit for one export. Narrow the range, pick fewer columns, a coarser resolution or a compressed format.");

/// <summary>Runs one export job: writes the artifact through a counting, hashing stream, reports progress (rows,
/// bytes, phase) every quarter second, polls for a cancel, retries transient failures with exponential backoff and
/// jitter, and fails permanent ones at once. Completion is one conditional UPDATE, so a job completes once.</summary>
/// <summary>Work that follows a completed export on the node that finished it (delivery to destinations).</summary>
public interface IJobCompletion
{
    Task CompletedAsync(JobRecord job, CancellationToken ct);
}

public sealed class JobRunner(
    JobRecords records, SeriesExports series, LayoutExports layouts, IArtifactStore store, ExportsSettings settings,
    TimeProvider clock, ILogger<JobRunner> log, IEnumerable<IJobCompletion>? completions = null, ResultCache? cache = null)
{
    /// <summary>This process's name on job records. Host name and process id say where to look; the random part keeps
    /// two containers that share a host name and a PID 1 apart, and a restarted process from its earlier self.</summary>
    public static readonly string Node = $"{Environment.MachineName}:{Environment.ProcessId}:{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
    static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);

    /// <summary>Runs the job to its end; false when another live node is running it (ask again later: if that node
    /// dies, its progress stops and this node may take the job over).</summary>
    /// <param name="finishing">Called once the job is recorded completed: what is left of the run is its hand-off to
    /// delivery and the messaging's bookkeeping (the worker lets the next export be taken meanwhile, WorkerSlots). Not
    /// before: a completion statement that failed would be retried as another attempt, which must hold a slot.</param>
    public async Task<bool> RunAsync(Guid id, bool recovering, CancellationToken shutdown, Func<ValueTask>? finishing = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var job = await records.GetAsync(id, shutdown);
            if (job is { Status: JobStatus.Completed } && attempt == 1)
            {
                // A message for a completed job is a recovered or repeated one: the node may have died after completing
                // but before handing off what follows (delivery), so hand it off again; those steps skip what they did.
                await AfterCompletionAsync(job, shutdown);
                return true;
            }
            // A message for a job already processing is one recovered from a node that stopped (Wolverine gives no
            // other sign: a recovered message shows one attempt).
            if (attempt == 1 && job is { Status: JobStatus.Processing }) recovering = true;
            if (job is null || JobStatus.IsFinal(job.Status)) return true; // deleted, or already finished: run once
            if (job.CancelRequested)
            {
                await records.FinishAsync(id, JobStatus.Cancelled, null, clock.GetUtcNow(), CancellationToken.None);
                return true;
            }
            if (recovering && attempt == 1)
                log.LogWarning("Recovering export job {Job} after node {Node} stopped", id, job.Node);
            var policy = job.Request.TryGetProperty("retry", out var r) && r.ValueKind == JsonValueKind.Object
                ? r.Deserialize<JobRetry>(JsonSerializerOptions.Web) : null;
            var now = clock.GetUtcNow();
            if (await records.StartAttemptAsync(id, Node, settings.Jobs.SchedulerName, now, now - settings.Jobs.TakeOver, shutdown) is not { } number)
                return await records.GetAsync(id, shutdown) is not { Status: JobStatus.Processing, CancelRequested: false };

            if (number > Math.Max(settings.Jobs.MaxStarts, policy?.Attempts ?? settings.Jobs.MaxAttempts))
            {
                await records.FinishAsync(id, JobStatus.Failed,
                    $"Started {number - 1} times without finishing (retries, and runs cut short by a node that stopped); not started again (EXPORTS_JOB_MAX_STARTS).",
                    clock.GetUtcNow(), CancellationToken.None, Node);
                return true;
            }
            var outcome = await AttemptAsync(job, shutdown, finishing);
            if (outcome is null)
            {
                // Hand off what follows only if this run completed it (another run that took the job over does its own).
                if (await records.GetAsync(id, CancellationToken.None) is { Status: JobStatus.Completed } done && done.Node == Node)
                    await AfterCompletionAsync(done, shutdown);
                return true;
            }
            var (error, transient) = outcome.Value;
            // Attempts count on the record, across nodes: a job taken over after a retry does not start counting again.
            if (!transient || number >= (policy?.Attempts ?? settings.Jobs.MaxAttempts))
            {
                await records.FinishAsync(id, JobStatus.Failed, error, clock.GetUtcNow(), CancellationToken.None, Node);
                return true;
            }
            var delay = policy?.Delay(number) ?? Backoff(number, settings.Jobs.RetryBase, settings.Jobs.RetryMax);
            log.LogWarning("Export job {Job} attempt {Attempt} failed ({Error}); retrying in {Delay}", id, number, error, delay);
            await records.RetryingAsync(id, Node, $"Attempt {number} failed: {error}. Retrying.", clock.GetUtcNow(), CancellationToken.None);
            // Wait for the next attempt, but not past a cancel (a delay may be as long as the request's maxDelayMs).
            for (var until = clock.GetUtcNow() + delay; clock.GetUtcNow() < until;)
            {
                var left = until - clock.GetUtcNow();
                await Task.Delay(left < 4 * Tick ? (left > TimeSpan.Zero ? left : TimeSpan.Zero) : 4 * Tick, shutdown);
                // A beat while waiting, so the job does not look abandoned (RecoverStaleExports), and a look at the flag.
                if (await records.BeatAsync(id, Node, clock.GetUtcNow(), shutdown) is not false) break;
            }
        }
    }

    /// <summary>Hands off what follows a completed export. A failure is not swallowed: it fails the message, which is
    /// tried again (or recovered by another node), and a message for a completed job hands off again.</summary>
    async Task AfterCompletionAsync(JobRecord done, CancellationToken ct)
    {
        foreach (var c in completions ?? []) await c.CompletedAsync(done, ct);
    }

    /// <summary>The node-wide retry policy (EXPORTS_RETRY_*): exponential, capped, with jitter; one policy type for
    /// node and per-request retries (JobRetry).</summary>
    public static TimeSpan Backoff(int attempt, TimeSpan @base, TimeSpan max) =>
        new JobRetry(attempt, "exponential", (int)@base.TotalMilliseconds, (int)max.TotalMilliseconds, Jitter: true).Delay(attempt);

    /// <summary>One attempt. Null when the job reached a final state (completed or cancelled); otherwise the
    /// error and whether it is worth retrying.</summary>
    async Task<(string Error, bool Transient)?> AttemptAsync(JobRecord job, CancellationToken shutdown, Func<ValueTask>? finishing)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        var ct = cancel.Token;
        var counter = (CountingStream?)null;
        long rows = 0;
        var phase = "querying";
        string? cacheKey = null;
        var userCancelled = false;
        var lost = false;

        using var ticker = new PeriodicTimer(Tick);
        var progressLoop = Task.Run(async () =>
        {
            try
            {
                while (await ticker.WaitForNextTickAsync(ct))
                {
                    bool? cancelled;
                    // A database that blinks must not end the beat: without it the job looks abandoned and is taken over.
                    try { cancelled = await records.ProgressAsync(job.Id, Node, phase, Interlocked.Read(ref rows), counter?.Written ?? 0, clock.GetUtcNow(), ct); }
                    catch (NpgsqlException e) { log.LogWarning(e, "Progress of job {Job} not recorded", job.Id); continue; }
                    if (cancelled is null) { lost = true; await cancel.CancelAsync(); return; } // another node has it now
                    if (cancelled == true) { userCancelled = true; await cancel.CancelAsync(); return; }
                }
            }
            catch (OperationCanceledException) { }
        }, CancellationToken.None);

        try
        {
            await using var upload = await store.BeginAsync(job.StorageKey, job.MediaType, ct);
            counter = new CountingStream(upload.Stream, settings.Jobs.MaxArtifactBytes);
            if (job.Kind == "series")
            {
                var env = job.Request.Deserialize<ExportEnvelope>(JsonSerializerOptions.Web)!;
                // With the source's data version read first: the key this run's file answers later requests with.
                var (outcome, prepared, errors, key) = cache is null
                    ? await WithoutKey(series.PrepareAsync(job.OwnerId, env.Series!, ct))
                    : await cache.PrepareAsync(series, job.OwnerId, env.Series!, ct);
                cacheKey = key;
                if (outcome != PrepareOutcome.Ok)
                    return (outcome == PrepareOutcome.SourceNotFound
                        ? $"The source '{env.Series!.Source}' no longer exists."
                        : "The request is no longer valid: " + string.Join("; ", errors.ToDictionary().Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")), false);
                phase = "writing";
                rows = await series.WriteAsync(prepared!, counter, ct, n => Interlocked.Exchange(ref rows, n));
            }
            else
            {
                var env = job.Request.Deserialize<ExportEnvelope>(JsonSerializerOptions.Web)!;
                phase = "rendering";
                var (result, errors) = await layouts.RenderAsync(job.OwnerId, "Exports", env.Layout!, ct);
                if (result is null)
                    return ("The layout is no longer valid: " + string.Join("; ", errors.ToDictionary().Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")), false);
                phase = "writing";
                await counter.WriteAsync(result.Bytes, ct);
                rows = result.Widgets.Count;
            }
            phase = "storing";
            await counter.FlushAsync(ct);
            // Still this run's job? A run taken for dead must not put its file in place of the run that took the job
            // over; a cancel that came in the last quarter second keeps the file out too. (Unstored, the upload's
            // partial file goes with it.)
            switch (await records.BeatAsync(job.Id, Node, clock.GetUtcNow(), CancellationToken.None))
            {
                case null:
                    log.LogWarning("Export job {Job} was taken over by another node; this run stops", job.Id);
                    return null;
                case true:
                    await records.FinishAsync(job.Id, JobStatus.Cancelled, null, clock.GetUtcNow(), CancellationToken.None, Node);
                    log.LogInformation("Export job {Job} cancelled", job.Id);
                    return null;
            }
            await upload.CommitAsync(ct);
            cancel.Cancel(); // stop the progress loop before the final write
            await progressLoop;
            var now = clock.GetUtcNow();
            if (await records.CompleteAsync(job.Id, Node, rows, counter.Written, counter.Checksum(), now, now + settings.Jobs.Retention, CancellationToken.None, cacheKey))
            {
                // Completed: no attempt follows (a failure from here on is not this run's to retry).
                if (finishing is not null) await finishing();
            }
            else
            {
                // Taken over by another run (this node was taken for dead) or completed by it: that run's file is the
                // one the record describes, or will be; keep it. Otherwise (cancelled, deleted, failed) nothing
                // describes the file: it goes.
                var current = await records.GetAsync(job.Id, CancellationToken.None);
                if (current is not ({ Status: JobStatus.Completed } or { Status: JobStatus.Processing, CancelRequested: false }))
                {
                    await store.DeleteAsync(job.StorageKey, CancellationToken.None);
                    await records.FinishAsync(job.Id, JobStatus.Cancelled, null, now, CancellationToken.None, Node);
                }
            }
            return null;
        }
        catch (OperationCanceledException)
        {
            if (lost)
            {
                // Another node took the job over (this one was taken for dead): its run owns the record now.
                log.LogWarning("Export job {Job} was taken over by another node; this run stops", job.Id);
                return null;
            }
            // A user's cancel (seen by the progress loop). The upload was disposed uncommitted, so the partial file or
            // multipart upload is gone.
            if (userCancelled || (await records.GetAsync(job.Id, CancellationToken.None))?.CancelRequested == true)
            {
                await records.FinishAsync(job.Id, JobStatus.Cancelled, null, clock.GetUtcNow(), CancellationToken.None, Node);
                log.LogInformation("Export job {Job} cancelled", job.Id);
                return null;
            }
            if (shutdown.IsCancellationRequested) throw; // the node is stopping (or the run timed out): the handler decides
            return ("The export timed out.", true);
        }
        catch (ArtifactTooLargeException e) { return (e.Message, false); }
        catch (Exception e) when (IsTransient(e))
        {
            return (Describe(e), true);
        }
        catch (Exception e)
        {
            log.LogError(e, "Export job {Job} failed", job.Id);
            return (Describe(e), false);
        }
        finally
        {
            await cancel.CancelAsync();
            await progressLoop;
        }
    }

    static async Task<(PrepareOutcome, PreparedExport?, Exports.Shared.Errors, string?)> WithoutKey(
        Task<(PrepareOutcome Outcome, PreparedExport? Export, Exports.Shared.Errors Errors)> prepare)
    {
        var (o, p, e) = await prepare;
        return (o, p, e, null);
    }

    static string Describe(Exception e) => e switch
    {
        NpgsqlException => "The database connection failed while the export was running.",
        Amazon.S3.AmazonS3Exception s3 => $"The file store answered {(int)s3.StatusCode}: {s3.Message}",
        IOException io => $"Writing the file failed: {io.Message}",
        _ => e.Message,
    };

    /// <summary>Worth another attempt: a dropped or failed database connection, a storage 5xx or network error.</summary>
    public static bool IsTransient(Exception e) => e switch
    {
        NpgsqlException n => n.IsTransient || n.InnerException is IOException or System.Net.Sockets.SocketException,
        Amazon.S3.AmazonS3Exception s3 => (int)s3.StatusCode >= 500,
        Amazon.Runtime.AmazonServiceException svc => svc.StatusCode is 0 || (int)svc.StatusCode >= 500,
        HttpRequestException or TimeoutException => true,
        IOException => true,
        _ => e.InnerException is { } inner && IsTransient(inner),
    };
}

/// <summary>Counts and hashes what passes through, and stops the export at the per-file size limit.</summary>
public sealed class CountingStream(Stream inner, long limit) : Stream
{
    readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    long _written;
    public long Written => Interlocked.Read(ref _written);
    public string Checksum() => "sha256:" + Convert.ToHexStringLower(_sha.GetHashAndReset());

    void Count(ReadOnlySpan<byte> data)
    {
        if (_written + data.Length > limit) throw new ArtifactTooLargeException(limit);
        _sha.AppendData(data);
        Interlocked.Add(ref _written, data.Length);
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => Written;
    public override long Position { get => Written; set => throw new NotSupportedException(); }
    public override void Flush() => inner.Flush();
    public override Task FlushAsync(CancellationToken ct) => inner.FlushAsync(ct);
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    public override void Write(ReadOnlySpan<byte> buffer) { Count(buffer); inner.Write(buffer); }
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        Count(buffer.Span);
        return inner.WriteAsync(buffer, ct);
    }
    protected override void Dispose(bool disposing) { if (disposing) _sha.Dispose(); base.Dispose(disposing); }
}
