using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Exports.Host;
using Exports.Jobs;
using Exports.Series;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using NpgsqlTypes;

namespace Exports.Features.ExportSeries;

public sealed record DirectLink(string Url, DateTimeOffset ExpiresAt, string FileName);

/// <summary>
/// Direct downloads through the browser's download manager instead of a Blob held in the page:
/// <c>POST /api/v1/exports/series/direct</c> checks the request as the streamed export does (400 / 404 before
/// anything is kept), keeps it for <see cref="Lifetime"/> and answers 201 with a signed GET link; a request estimated
/// past the streaming threshold answers 202 with a background job, as <c>POST /exports/series</c> does.
/// <c>GET /api/v1/exports/series/direct/{id}?token=</c> needs no session: the token is an HMAC over the link, its
/// owner and its expiry (changed or unknown: 403, expired or already used: 410; grown past the streaming threshold
/// since the link was made: 409; refused for now with 429/503: the link stays usable). It streams the file like the other export
/// routes and is single-use. Each download that runs is recorded in history (<c>direct: true</c>) with its outcome,
/// rows and bytes; no file is kept, so it is downloaded again by running it again.
/// </summary>
public static class DirectDownload
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    static string Subject(Guid id, Guid owner) => $"direct:{id:N}:{owner:N}";

    public static void Map(RouteGroupBuilder g)
    {
        g.MapPost("/exports/series/direct", async (ExportRequest req, SeriesExports exports, JobQueue jobs, ExportGate gate,
                NpgsqlDataSource db, DownloadLinks links, TimeProvider clock, ClaimsPrincipal user, HttpContext http, CancellationToken ct) =>
            {
                var owner = user.OwnerId();
                // Per-owner admission first, as the other export routes take it: one owner cannot hold every planning place.
                using var lease = gate.TryOwner(owner, SyncKind.Direct);
                if (lease is null) return gate.OwnerRefused(SyncKind.Direct, http);
                // Links kept and not yet used are bounded per owner (EXPORTS_DIRECT_LINKS_PER_OWNER).
                var at = clock.GetUtcNow();
                await using (var count = db.CreateCommand("SELECT count(*), min(expires_at) FROM direct_downloads WHERE owner_id = $1 AND used_at IS NULL AND expires_at > $2"))
                {
                    count.Parameters.Add(new NpgsqlParameter { Value = owner });
                    count.Parameters.Add(new NpgsqlParameter { Value = at });
                    await using var r = await count.ExecuteReaderAsync(ct);
                    await r.ReadAsync(ct);
                    var limit = gate.Settings.Streams.DirectLinksPerOwner;
                    if (r.GetInt64(0) >= limit)
                    {
                        var wait = r.IsDBNull(1) ? TimeSpan.FromSeconds(1) : r.GetFieldValue<DateTimeOffset>(1) - at;
                        http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                        return Problems.Status(429, "Too many direct download links",
                            $"You hold {limit} unused direct download links, the most one account may (EXPORTS_DIRECT_LINKS_PER_OWNER); use one, or retry when the oldest expires (Retry-After).");
                    }
                }
                // A direct download counts toward the hourly quota when it starts; refused here already when none is left.
                if (await jobs.HourlyQuotaAsync(owner, ct) is { } hourly) return JobResults.Refused(hourly, http);
                long bytes;
                string fileName;
                using (var planning = await gate.PlanAsync(ct))
                {
                    if (planning is null) return gate.PlanningRefused(http);
                    var (outcome, prepared, errors) = await exports.PrepareAsync(owner, req, ct);
                    if (outcome == PrepareOutcome.SourceNotFound) return Problems.NotFound($"No source named '{req.Source}'.");
                    if (outcome == PrepareOutcome.Invalid) return Problems.Validation(errors.ToDictionary());
                    try { (_, bytes) = await exports.EstimateAsync(prepared!, ct); }
                    catch (Exports.Formats.ExportDataException e) { return Problems.Field(e.Field, e.Message); }
                    fileName = prepared!.FileName;
                }
                if (bytes > gate.Settings.Jobs.AsyncThresholdBytes)
                {
                    var (ok, refused) = await jobs.SubmitAsync(owner, new ExportEnvelope { Kind = "series", Series = req }, null, ct);
                    if (refused is not null) return JobResults.Refused(refused, http);
                    var reason = $"This export is estimated at {bytes / 1048576.0:N0} MB, above the {gate.Settings.Jobs.AsyncThresholdBytes / 1048576.0:N0} MB streamed directly; it runs in the background.";
                    return TypedResults.Accepted($"/api/v1/exports/{ok!.Job.Id}", new BackgroundExport(true, reason, ok.Job));
                }

                var now = clock.GetUtcNow();
                var id = Guid.CreateVersion7(now);
                var expires = DateTimeOffset.FromUnixTimeSeconds((now + Lifetime).ToUnixTimeSeconds());
                // Links are kept an hour past their expiry (so a late click hears "expired", not "not found"), then pruned.
                await using (var prune = db.CreateCommand("DELETE FROM direct_downloads WHERE expires_at < $1"))
                {
                    prune.Parameters.Add(new NpgsqlParameter { Value = now.AddHours(-1) });
                    await prune.ExecuteNonQueryAsync(ct);
                }
                await using (var cmd = db.CreateCommand("INSERT INTO direct_downloads (id, owner_id, request, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)"))
                {
                    cmd.Parameters.Add(new NpgsqlParameter { Value = id });
                    cmd.Parameters.Add(new NpgsqlParameter { Value = owner });
                    cmd.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(req, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
                    cmd.Parameters.Add(new NpgsqlParameter { Value = now });
                    cmd.Parameters.Add(new NpgsqlParameter { Value = expires });
                    await cmd.ExecuteNonQueryAsync(ct);
                }
                var url = $"/api/v1/exports/series/direct/{id}?token={Uri.EscapeDataString(links.Create(Subject(id, owner), expires))}";
                return TypedResults.Created(url, new DirectLink(url, expires, fileName));
            })
            .WithTags("Export series").WithSummary("A short-lived, single-use signed link that streams this export (for the browser's download manager)")
            .Produces<DirectLink>(201).Produces<BackgroundExport>(202).ProducesProblem(400).ProducesProblem(404).ProducesProblem(429).ProducesProblem(503);

        g.MapGet("/exports/series/direct/{id:guid}", async (Guid id, string? token, SeriesExports exports, JobQueue jobs, ExportGate gate,
                NpgsqlDataSource db, DownloadLinks links, TimeProvider clock, HttpContext http, CancellationToken ct) =>
            {
                if (string.IsNullOrEmpty(token)) return (IResult)Problems.Status(403, "This download link is not valid", "It has no token.");
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
                var result = await StartSeriesExport.HandleAsync(req, exports, jobs, gate, owner, http, ct, watch: watch, streamOnly: true);
                if (result is IStatusCodeHttpResult { StatusCode: 429 or 503 }) return await Unclaimed(result);
                return new Recorded(result, watch, req, owner, now, db, clock, gate.Settings);
            })
            .AllowAnonymous()
            .WithTags("Export series").WithSummary("Stream a direct download (signed link, no session; single use)")
            .Produces(200).ProducesProblem(403).ProducesProblem(409).ProducesProblem(410).ProducesProblem(429).ProducesProblem(503);
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
                    error = $6, completed_at = $7, updated_at = $7, expires_at = $8
                WHERE id = $1
                """, _id, status, watch.Rows ?? 0L, watch.Bytes,
                new NpgsqlParameter { Value = status == JobStatus.Completed ? watch.Rows! : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint },
                error, now, now + settings.Jobs.Retention);
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
