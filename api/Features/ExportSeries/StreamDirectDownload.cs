using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Exports.Host;
using Exports.Jobs;
using Exports.Series;
using Exports.Shared;
using FastEndpoints;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using NpgsqlTypes;

namespace Exports.Features.ExportSeries;

/// <summary>A direct download link: its id in the route and its signature in the query string.</summary>
public sealed class StreamDirectDownloadRequest : IQueryBound
{
    /// <summary>From the route only: <c>?id=</c> must not name another link than the one the URL names.</summary>
    [DontBind(Source.QueryParam)] public Guid Id { get; set; }
    [BindFrom("token")] public string? Token { get; set; }
}

/// <summary>Nothing to refuse before the link is looked up: the token is the credential, checked in the handler, and
/// anything that is not a link issued and signed here (no token, a changed one, an unknown id) is the same 403, so an
/// id alone tells nothing.</summary>
public sealed class StreamDirectDownloadValidator : Validator<StreamDirectDownloadRequest>;

/// <summary>
/// GET /api/v1/exports/series/direct/{id}?token=: the download a <see cref="CreateDirectDownload"/> link starts, with
/// no session: the token is an HMAC over the link, its owner and its expiry (changed or unknown: 403, expired or
/// already used: 410; grown past the streaming threshold since the link was made: 409; refused for now with 429/503:
/// the link stays usable). It streams the file like the other export routes and is single-use. Each download that
/// runs is recorded in history (<c>direct: true</c>) with its outcome, rows and bytes; no file is kept, so it is
/// downloaded again by running it again.
/// </summary>
public sealed class StreamDirectDownload(SeriesExports exports, JobQueue jobs, ExportGate gate, NpgsqlDataSource db, DownloadLinks links, TimeProvider clock, ResultCache cache)
    : Endpoint<StreamDirectDownloadRequest>
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>What a link's token signs: the link and its owner.</summary>
    internal static string Subject(Guid id, Guid owner) => $"direct:{id:N}:{owner:N}";

    public override void Configure()
    {
        Get("/exports/series/direct/{id:guid}");
        AllowAnonymous();
        Description(d => d.WithTags("Export series").WithSummary("Stream a direct download (signed link, no session; single use)")
            .Produces(200).ProducesProblem(403).ProducesProblem(409).ProducesProblem(410).ProducesProblem(429).ProducesProblem(503));
    }

    public override async Task HandleAsync(StreamDirectDownloadRequest req, CancellationToken ct) => await Send.ResultAsync(await DownloadAsync(req.Id, req.Token, ct));

    async Task<IResult> DownloadAsync(Guid id, string? token, CancellationToken ct)
    {
        var http = HttpContext;
        if (string.IsNullOrEmpty(token)) return Problems.Status(403, "This download link is not valid", "It has no token.");
        Guid owner;
        string request;
        await using (var cmd = db.CreateCommand("SELECT owner_id, request::text FROM direct_downloads WHERE id = $1"))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = id });
            await using var r = await cmd.ExecuteReaderAsync(ct);
            // The same answer as a bad token (as the signed artifact links answer): an id alone tells nothing.
            if (!await r.ReadAsync(ct)) return Problems.Status(403, "This download link is not valid", "It was changed or never issued.");
            (owner, request) = (r.GetGuid(0), r.GetString(1));
        }
        var now = clock.GetUtcNow();
        var check = links.Check(Subject(id, owner), token, now);
        if (check == LinkCheck.Tampered) return Problems.Status(403, "This download link is not valid", "It was changed or never issued.");
        if (check == LinkCheck.Expired) return Problems.Status(410, "This download link has expired", $"Direct download links last {Lifetime.TotalMinutes:N0} minutes; start the download again.");
        await using (var claim = db.CreateCommand("UPDATE direct_downloads SET used_at = $2 WHERE id = $1 AND used_at IS NULL"))
        {
            claim.Parameters.Add(new NpgsqlParameter { Value = id });
            claim.Parameters.Add(new NpgsqlParameter { Value = now });
            if (await claim.ExecuteNonQueryAsync(ct) == 0)
                return Problems.Status(410, "This download link was already used", "Each direct download link works once; start the download again.");
        }
        // Refused before anything ran (a quota, the owner's or the node's places): the link stays usable, so the
        // browser's retry after Retry-After works, and nothing is recorded.
        async Task<IResult> Unclaimed(IResult refusal)
        {
            await using var undo = db.CreateCommand("UPDATE direct_downloads SET used_at = NULL WHERE id = $1");
            undo.Parameters.Add(new NpgsqlParameter { Value = id });
            await undo.ExecuteNonQueryAsync(CancellationToken.None);
            return refusal;
        }
        if (await jobs.HourlyQuotaAsync(owner, ct) is { } hourly) return await Unclaimed(JobResults.Refused(hourly, http));
        var req = JsonSerializer.Deserialize<ExportRequest>(request, Json)!;
        var watch = new StreamWatch();
        var result = await StartSeriesExport.StreamAsync(req, exports, jobs, gate, cache, owner, http, ct, watch: watch, streamOnly: true);
        if (result is IStatusCodeHttpResult { StatusCode: 429 or 503 }) return await Unclaimed(result);
        return new Recorded(result, watch, req, owner, now, db, clock, gate.Settings);
    }

    /// <summary>Records the download in history as it runs: a <c>processing</c> row before the first byte (so the
    /// history and the owner's running count see it while it streams), finished with what actually happened once the
    /// response ends: completed with its rows and bytes, failed with the reason, or cancelled when the browser stopped
    /// it. One that starts is a line in the submission ledger (EXPORTS_QUOTA_PER_HOUR). While the response runs the row
    /// is beaten (updated_at) every half idle limit; a row left processing by a node that died stops being beaten and is
    /// failed by the retention sweep. A finished row expires after EXPORTS_RETENTION_MINUTES like any other.</summary>
    sealed class Recorded(IResult inner, StreamWatch watch, ExportRequest req, Guid owner, DateTimeOffset started,
        NpgsqlDataSource db, TimeProvider clock, ExportsSettings settings) : IResult
    {
        readonly Guid _id = Guid.CreateVersion7(started);

        public async Task ExecuteAsync(HttpContext ctx)
        {
            // A background job (202) is recorded by the queue.
            if (inner is Accepted<BackgroundExport>) { await inner.ExecuteAsync(ctx); return; }
            var recorded = await Guarded(ctx, () => StartAsync(inner is IValueHttpResult { Value: Microsoft.AspNetCore.Mvc.ProblemDetails }));
            using var beating = new CancellationTokenSource();
            var beat = recorded ? BeatAsync(ctx, beating.Token) : Task.CompletedTask;
            try { await inner.ExecuteAsync(ctx); }
            finally
            {
                await beating.CancelAsync();
                await beat;
                if (recorded) await Guarded(ctx, () => FinishAsync(ctx));
            }
        }

        async Task<bool> Guarded(HttpContext ctx, Func<Task> write)
        {
            try
            {
                await write();
                return true;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                ctx.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Exports.Direct")
                    .LogError(e, "Could not record the direct download of {Source}", req.Source);
                return false;
            }
        }

        async Task BeatAsync(HttpContext ctx, CancellationToken ct)
        {
            var every = TimeSpan.FromSeconds(Math.Max(1, settings.Streams.Idle.TotalSeconds / 2));
            using var timer = new PeriodicTimer(every, clock);
            try
            {
                while (await timer.WaitForNextTickAsync(ct))
                    await Guarded(ctx, async () =>
                    {
                        await using var cmd = Command("UPDATE export_jobs SET updated_at = $2 WHERE id = $1 AND status = 'processing'", _id, clock.GetUtcNow());
                        await cmd.ExecuteNonQueryAsync(ct);
                    });
            }
            catch (OperationCanceledException) { }
        }

        NpgsqlCommand Command(string sql, params object?[] values)
        {
            var cmd = db.CreateCommand(sql);
            foreach (var v in values)
                cmd.Parameters.Add(v is NpgsqlParameter prm ? prm : new NpgsqlParameter { Value = v ?? DBNull.Value });
            return cmd;
        }

        async Task StartAsync(bool refused)
        {
            var p = watch.Prepared;
            var now = clock.GetUtcNow();
            var envelope = JsonSerializer.Serialize(new ExportEnvelope { Kind = "series", Series = req }, Json);
            await using var cmd = Command("""
                INSERT INTO export_jobs (id, owner_id, kind, format, source, title, status, phase, request, request_hash,
                    file_name, media_type, storage, storage_key, tier, approximate, approximation, attempts, created_at,
                    updated_at, started_at, direct)
                VALUES ($1, $2, 'series', $3, $4, $5, 'processing', $6, $7, $8, $9, $10, 'none', '', $11, $12, $13, 1, $14, $15, $14, true)
                """,
                _id, owner, p?.Format.Name ?? (req.Format ?? "csv").ToLowerInvariant(), p?.Plan.Source.Name ?? req.Source,
                p?.FileName ?? req.Source ?? "export", refused ? "refused" : "streaming",
                new NpgsqlParameter { Value = envelope, NpgsqlDbType = NpgsqlDbType.Jsonb },
                Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(envelope))), p?.FileName ?? "", p?.MediaType ?? "",
                p?.Plan.Tier, new NpgsqlParameter { Value = (object?)p?.Plan.Approximate?.ToArray() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                p?.Plan.Approximation, started, now);
            await cmd.ExecuteNonQueryAsync(CancellationToken.None);
            if (!refused)
                await using (var ledger = Command("INSERT INTO export_submissions (job_id, owner_id, submitted_at) VALUES ($1, $2, $3)", _id, owner, now))
                    await ledger.ExecuteNonQueryAsync(CancellationToken.None);
        }

        async Task FinishAsync(HttpContext ctx)
        {
            var aborted = ctx.RequestAborted.IsCancellationRequested;
            var (status, error) = inner switch
            {
                IValueHttpResult { Value: Microsoft.AspNetCore.Mvc.ProblemDetails pd } => (JobStatus.Failed, $"{pd.Title}. {pd.Detail}".Trim(' ', '.') + "."),
                _ when watch.Rows is not null && !aborted && ctx.Response.StatusCode == 200 => (JobStatus.Completed, (string?)null),
                _ when watch.Error is Exports.Formats.ExportDataException x => (JobStatus.Failed, x.Message),
                _ when watch.Error is IdleClientException x => (JobStatus.Failed, "The browser stopped reading: " + x.Message),
                _ when ctx.Response.StatusCode == 503 => (JobStatus.Failed, "No streaming slot was free; nothing was sent."),
                _ when watch.Error is { } x and not OperationCanceledException => (JobStatus.Failed, x.Message),
                _ when aborted => (JobStatus.Cancelled, "The download was stopped before it finished (cancelled or closed in the browser)."),
                _ => (JobStatus.Failed, "The download did not finish."),
            };
            var now = clock.GetUtcNow();
            // No size_bytes: nothing is stored, so the stored-bytes quota does not count it.
            await using var cmd = Command("""
                UPDATE export_jobs SET status = $2, phase = 'done', rows_written = $3, bytes_written = $4, row_count = $5,
                    error = $6, completed_at = $7, updated_at = $7, expires_at = $8, cache_hit_of = $9
                WHERE id = $1
                """, _id, status, watch.Rows ?? 0L, watch.Bytes,
                new NpgsqlParameter { Value = status == JobStatus.Completed ? watch.Rows! : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint },
                error, now, now + settings.Jobs.Retention,
                new NpgsqlParameter { Value = (object?)watch.CacheHitOf ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
            await cmd.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }
}

/// <summary>Counts what a streamed export wrote: the rows (once the file is written whole), the bytes of the file,
/// and the exception that stopped it.</summary>
public sealed class StreamWatch
{
    long _bytes;
    public PreparedExport? Prepared { get; private set; }
    /// <summary>The job whose stored file the result cache sent instead of computing the export (recorded on the
    /// download's history row); null when computed.</summary>
    public Guid? CacheHitOf { get; set; }
    public long? Rows { get; private set; }
    public long Bytes => Interlocked.Read(ref _bytes);
    public Exception? Error { get; private set; }

    public void Started(PreparedExport p) => Prepared = p;

    public async Task WriteAsync(Stream body, Func<Stream, Task<long>> write)
    {
        try { Rows = await write(new Counting(body, this)); }
        catch (Exception e) { Error = e; throw; }
    }

    sealed class Counting(Stream inner, StreamWatch w) : Exports.Shared.WriteOnlyStream
    {
        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
        {
            await inner.WriteAsync(buffer, ct);
            Interlocked.Add(ref w._bytes, buffer.Length);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();
        public override Task FlushAsync(CancellationToken ct) => inner.FlushAsync(ct);
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Synchronous writes would block a thread on a slow client.");
        public override void Flush() { }
    }
}
