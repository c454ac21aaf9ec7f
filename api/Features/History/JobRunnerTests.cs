using System.Security.Cryptography;
using System.Text.Json;
using Exports.Host;
using Exports.Jobs;
using Exports.Layouts;
using Exports.Series;
using Exports.Storage;
using Exports.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Exports.Tests.Features.History;

/// <summary>The runner on its own, with settings of the test's choosing: a job recorded but not scheduled, run
/// here. Real failures only: a database connection killed mid-export (transient: retried), a file over the size
/// limit (permanent: failed at once with the reason), and the S3 store (s3rver) as the artifact store.</summary>
[Collection(ApiCollection.Name)]
public sealed class JobRunnerTests(ApiFixture api, S3Server s3) : IClassFixture<S3Server>
{
    T Service<T>() where T : notnull => api.Host.Services.GetRequiredService<T>();

    JobRunner Runner(JobSettings jobs, IArtifactStore? store = null) => new(
        Service<JobRecords>(), Service<SeriesExports>(), Service<LayoutExports>(), store ?? Service<IArtifactStore>(),
        Service<ExportsSettings>() with { Jobs = jobs }, TimeProvider.System, NullLogger<JobRunner>.Instance);

    async Task<JobRecord> RecordAsync(object series, IArtifactStore? store = null)
    {
        var envelope = JsonSerializer.Deserialize<ExportEnvelope>(JsonSerializer.Serialize(new { kind = "series", series }), JsonSerializerOptions.Web)!;
        var demo = await api.ScalarAsync<Guid>("SELECT owner_id FROM sources WHERE name = 'servers'");
        var (job, refused) = await Service<JobQueue>().PlanAsync(demo, envelope, default);
        Assert.Null(refused);
        job = job! with { Storage = store?.Name ?? job.Storage };
        await using var conn = await api.Db.OpenConnectionAsync();
        await JobRecords.InsertAsync(conn, job, default);
        return job;
    }

    [Fact]
    public async Task DatabaseConnectionKilledMidExport_IsRetriedWithBackoff_AndCompletesOnce()
    {
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromDays(30));
        var job = await RecordAsync(new { source = "servers", timeframe = new { from = from.ToString("O"), to = to.ToString("O") }, granularity = "raw", format = "csv" });
        var settings = Service<ExportsSettings>().Jobs with { RetryBase = TimeSpan.FromMilliseconds(50), RetryMax = TimeSpan.FromMilliseconds(200) };
        var run = Runner(settings).RunAsync(job.Id, recovering: false, default);
        var records = Service<JobRecords>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await records.GetAsync(job.Id, default))!.BytesWritten == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "The export never started writing.");
            await Task.Delay(20);
        }
        // Kill the backend streaming the points: a real dropped connection in the middle of the file.
        var killed = await api.ScalarAsync<long>("""
            SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%FROM points%' AND state = 'active'
            """);
        Assert.True(killed >= 1);
        await run;
        var done = (await records.GetAsync(job.Id, default))!;
        Assert.Equal(JobStatus.Completed, done.Status);
        Assert.Equal(2, done.Attempts);
        Assert.Equal(done.EstimatedRows, done.RowCount);
        await using var file = await Service<IArtifactStore>().OpenAsync(done.StorageKey, 0, null, default);
        var bytes = new MemoryStream();
        await file!.Body.CopyToAsync(bytes);
        Assert.Equal(done.SizeBytes, bytes.Length);
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes.ToArray())), done.Checksum);
        Assert.Equal(done.RowCount + 1, System.Text.Encoding.UTF8.GetString(bytes.ToArray()).Count(ch => ch == '\n'));
    }

    [Fact]
    public async Task FileOverTheSizeLimit_FailsAtOnceWithTheReason_AndLeavesNoFile()
    {
        var job = await RecordAsync(new { source = "servers", timeframe = new { last = "24h" }, granularity = "raw", format = "csv" });
        var settings = Service<ExportsSettings>().Jobs with { MaxArtifactBytes = 100_000 };
        await Runner(settings).RunAsync(job.Id, recovering: false, default);
        var failed = (await Service<JobRecords>().GetAsync(job.Id, default))!;
        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Equal(1, failed.Attempts); // permanent: no retry
        Assert.Contains("100,000-byte limit", failed.Error);
        Assert.Null(await Service<IArtifactStore>().OpenAsync(failed.StorageKey, 0, null, default));
        var dir = Path.GetDirectoryName(Path.Combine(Service<ExportsSettings>().Jobs.LocalDir, failed.StorageKey))!;
        Assert.False(Directory.Exists(dir) && Directory.EnumerateFiles(dir).Any());
    }

    [Fact]
    public async Task S3Store_JobWritesItsFileThroughAMultipartUpload_ReadBackByteForByte()
    {
        using var store = new S3ArtifactStore(s3.Endpoint, "exports-jobs", "tenant-a", null, S3Server.AccessKey, S3Server.SecretKey, pathStyle: true);
        // One absolute range for both runs: "last 7d" would move between them.
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromDays(7));
        var request = new { source = "servers", timeframe = new { from = from.ToString("O"), to = to.ToString("O") }, granularity = "raw", format = "csv" };
        var job = await RecordAsync(request, store);
        await Runner(Service<ExportsSettings>().Jobs, store).RunAsync(job.Id, recovering: false, default);
        var done = (await Service<JobRecords>().GetAsync(job.Id, default))!;
        Assert.Equal(JobStatus.Completed, done.Status);
        Assert.Equal("s3", done.Storage);
        Assert.True(done.SizeBytes > 16 * 1024 * 1024, $"{done.SizeBytes} bytes: want several 8 MiB parts");
        await using var read = await store.OpenAsync(done.StorageKey, 0, null, default);
        var bytes = new MemoryStream();
        await read!.Body.CopyToAsync(bytes);
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes.ToArray())), done.Checksum);
        // The same request through the local store gives the same bytes.
        var local = await RecordAsync(request);
        await Runner(Service<ExportsSettings>().Jobs).RunAsync(local.Id, recovering: false, default);
        Assert.Equal(done.Checksum, (await Service<JobRecords>().GetAsync(local.Id, default))!.Checksum);
    }

    [Fact]
    public async Task FinishedJob_IsNotRunAgain()
    {
        var job = await RecordAsync(new { source = "servers", timeframe = new { last = "1h" }, granularity = "raw", format = "csv" });
        var runner = Runner(Service<ExportsSettings>().Jobs);
        await runner.RunAsync(job.Id, recovering: false, default);
        var first = (await Service<JobRecords>().GetAsync(job.Id, default))!;
        await runner.RunAsync(job.Id, recovering: true, default); // a duplicate firing, or a recovery after completion
        var second = (await Service<JobRecords>().GetAsync(job.Id, default))!;
        Assert.Equal((JobStatus.Completed, 1, first.CompletedAt), (second.Status, second.Attempts, second.CompletedAt));
    }

    /// <summary>Another node takes the job over (this one was taken for dead) as the file is about to be stored: this
    /// run does not put its file in place, and leaves the record to the run that owns it.</summary>
    [Fact]
    public async Task RunTakenOverAsItStores_KeepsItsFileOut_AndLeavesTheRecordAlone()
    {
        var job = await RecordAsync(new { source = "servers", timeframe = new { last = "1h" }, granularity = "raw", format = "csv" });
        var store = new HookedStore(Service<IArtifactStore>(), () => api.ScalarAsync<long>(
            "WITH t AS (UPDATE export_jobs SET node = 'elsewhere:1:000000', updated_at = now() WHERE id = $1 RETURNING 1) SELECT count(*) FROM t", job.Id));
        await Runner(Service<ExportsSettings>().Jobs, store).RunAsync(job.Id, recovering: false, default);
        Assert.True(store.Hooked);
        Assert.False(store.Committed);
        Assert.Null(await Service<IArtifactStore>().OpenAsync(job.StorageKey, 0, null, default));
        var after = (await Service<JobRecords>().GetAsync(job.Id, default))!;
        Assert.Equal((JobStatus.Processing, "elsewhere:1:000000", (string?)null), (after.Status, after.Node, after.Error));
        await api.ScalarAsync<long>("WITH t AS (DELETE FROM export_jobs WHERE id = $1 RETURNING 1) SELECT count(*) FROM t", job.Id);
    }

    /// <summary>A store whose uploads run <c>hook</c> at their first flush (the writer's last step before the file is
    /// stored) and note whether they were committed.</summary>
    sealed class HookedStore(IArtifactStore inner, Func<Task> hook) : IArtifactStore
    {
        public bool Hooked { get; private set; }
        public bool Committed { get; private set; }
        public string Name => inner.Name;
        public async Task<IArtifactUpload> BeginAsync(string key, string mediaType, CancellationToken ct) => new Upload(this, await inner.BeginAsync(key, mediaType, ct));
        public Task<ArtifactRead?> OpenAsync(string key, long from, long? to, CancellationToken ct) => inner.OpenAsync(key, from, to, ct);
        public Task DeleteAsync(string key, CancellationToken ct) => inner.DeleteAsync(key, ct);

        sealed class Upload(HookedStore store, IArtifactUpload inner) : IArtifactUpload
        {
            public Stream Stream { get; } = new FlushHook(inner.Stream, async () =>
            {
                if (store.Hooked) return;
                store.Hooked = true;
                await store._hook();
            });
            public async Task CommitAsync(CancellationToken ct) { store.Committed = true; await inner.CommitAsync(ct); }
            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }

        readonly Func<Task> _hook = hook;
    }

    sealed class FlushHook(Stream inner, Func<Task> onFlush) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override async Task FlushAsync(CancellationToken ct) { await onFlush(); await inner.FlushAsync(ct); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) => inner.WriteAsync(buffer, ct);
    }

    /// <summary>A job started EXPORTS_JOB_MAX_STARTS times without finishing (its nodes kept stopping under it) fails
    /// saying so, instead of being started on the next node again.</summary>
    [Fact]
    public async Task JobStartedTooOften_FailsSayingSo_InsteadOfStartingAgain()
    {
        var job = await RecordAsync(new { source = "servers", timeframe = new { last = "1h" }, granularity = "raw", format = "csv" });
        // As if two nodes had died running it.
        await api.ScalarAsync<long>("""
            WITH t AS (UPDATE export_jobs SET status = 'processing', attempts = 2, node = 'gone:1:000000', updated_at = now() - interval '1 hour'
                       WHERE id = $1 RETURNING 1) SELECT count(*) FROM t
            """, job.Id);
        await Runner(Service<ExportsSettings>().Jobs with { MaxStarts = 2, MaxAttempts = 1 }).RunAsync(job.Id, recovering: true, default);
        var failed = (await Service<JobRecords>().GetAsync(job.Id, default))!;
        Assert.Equal((JobStatus.Failed, 3), (failed.Status, failed.Attempts));
        Assert.Contains("EXPORTS_JOB_MAX_STARTS", failed.Error);
        Assert.Null(await Service<IArtifactStore>().OpenAsync(job.StorageKey, 0, null, default));
    }

    /// <summary>A job whose stored request cannot be read (a value no version wrote) fails, saying so, instead of being
    /// dead-lettered and left pending: through the real handler, on the fixture's own queue.</summary>
    [Fact]
    public async Task JobThatCannotRun_FailsSayingWhy_InsteadOfStayingQueued()
    {
        var job = await RecordAsync(new { source = "servers", timeframe = new { last = "1h" }, granularity = "raw", format = "csv" });
        await api.ScalarAsync<long>("""
            WITH t AS (UPDATE export_jobs SET request = jsonb_set(request, '{retry}', '{"attempts": "many"}') WHERE id = $1 RETURNING 1) SELECT count(*) FROM t
            """, job.Id);
        await using (var scope = api.Host.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<Wolverine.IMessageBus>().PublishAsync(new RunExport(job.Id));
        var records = Service<JobRecords>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JobRecord now;
        while (!JobStatus.IsFinal((now = (await records.GetAsync(job.Id, default))!).Status))
        {
            Assert.True(DateTime.UtcNow < deadline, $"Still {now.Status}.");
            await Task.Delay(100);
        }
        Assert.Equal(JobStatus.Failed, now.Status);
        Assert.StartsWith("The export could not run: ", now.Error);
        Assert.Null(await Service<IArtifactStore>().OpenAsync(job.StorageKey, 0, null, default));
    }

    /// <summary>An older version queued export runs as Quartz jobs (key: the export's id, group <c>exports</c>): one
    /// left in the database becomes a message on start, and the export runs.</summary>
    [Fact]
    public async Task ExportLeftInQuartzByAnOlderVersion_BecomesAMessage_AndRuns()
    {
        var job = await RecordAsync(new { source = "servers", timeframe = new { last = "1h" }, granularity = "raw", format = "csv" });
        var quartz = await Service<Quartz.ISchedulerFactory>().GetScheduler();
        var key = new Quartz.JobKey($"{job.Id:N}", JobQueue.Group);
        await quartz.AddJob(Quartz.JobBuilder.Create<Exports.Features.Schedule.ScheduleJob>().WithIdentity(key).StoreDurably().Build(), Quartz.AddJobOptions.Replacing, default);
        Assert.True(await Messaging.MoveQuartzJobsAsync(api.Host.Services, NullLogger.Instance) >= 1);
        Assert.Null(await quartz.GetJobDetail(key, default));
        var records = Service<JobRecords>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        JobRecord now;
        while ((now = (await records.GetAsync(job.Id, default))!).Status != JobStatus.Completed)
        {
            Assert.False(JobStatus.IsFinal(now.Status), $"Ended {now.Status}: {now.Error}");
            Assert.True(DateTime.UtcNow < deadline, $"Still {now.Status}.");
            await Task.Delay(100);
        }
        Assert.Equal((1, now.EstimatedRows), (now.Attempts, now.RowCount));
    }

    [Theory]
    [InlineData(1, 1000, 500, 1000)]
    [InlineData(3, 1000, 2000, 4000)]
    [InlineData(10, 1000, 15000, 30000)]
    public void Backoff_IsExponentialWithJitter_AndCapped(int attempt, int baseMs, double min, double max)
    {
        for (var i = 0; i < 50; i++)
            Assert.InRange(JobRunner.Backoff(attempt, TimeSpan.FromMilliseconds(baseMs), TimeSpan.FromSeconds(30)).TotalMilliseconds, min, max);
    }

    [Fact]
    public void TransientAndPermanentFailures_AreToldApart()
    {
        Assert.True(JobRunner.IsTransient(new NpgsqlException("x", new IOException("reset"))));
        Assert.True(JobRunner.IsTransient(new Amazon.S3.AmazonS3Exception("busy") { StatusCode = System.Net.HttpStatusCode.ServiceUnavailable }));
        Assert.False(JobRunner.IsTransient(new Amazon.S3.AmazonS3Exception("denied") { StatusCode = System.Net.HttpStatusCode.Forbidden }));
        Assert.False(JobRunner.IsTransient(new ArtifactTooLargeException(10)));
        Assert.False(JobRunner.IsTransient(new InvalidOperationException("bug")));
    }
}
