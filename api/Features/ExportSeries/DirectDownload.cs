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
/// owner and its expiry (changed: 403, expired or already used: 410). It streams the file like the other export
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
                    if (!await r.ReadAsync(ct)) return Problems.NotFound("No such download link (links are kept for an hour after they expire).");
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
                var req = JsonSerializer.Deserialize<ExportRequest>(request, Json)!;
                var watch = new StreamWatch();
                var result = await StartSeriesExport.HandleAsync(req, exports, jobs, gate, owner, http, ct, watch: watch);
                return new Recorded(result, watch, req, owner, now, db, clock);
            })
            .AllowAnonymous()
            .WithTags("Export series").WithSummary("Stream a direct download (signed link, no session; single use)")
            .Produces(200).ProducesProblem(403).ProducesProblem(404).ProducesProblem(410).ProducesProblem(429).ProducesProblem(503);
    }

    /// <summary>Runs the export's response, then writes its history record with what actually happened.</summary>
    sealed class Recorded(IResult inner, StreamWatch watch, ExportRequest req, Guid owner, DateTimeOffset started,
        NpgsqlDataSource db, TimeProvider clock) : IResult
    {
        public async Task ExecuteAsync(HttpContext ctx)
        {
            try { await inner.ExecuteAsync(ctx); }
            finally
            {
                // A background job (202) is recorded by the queue; everything else that ran is recorded here.
                if (inner is not Accepted<BackgroundExport>)
                {
                    try { await RecordAsync(ctx); }
                    catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
                    {
                        ctx.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Exports.Direct")
                            .LogError(e, "Could not record the direct download of {Source}", req.Source);
                    }
                }
            }
        }

        async Task RecordAsync(HttpContext ctx)
        {
            var p = watch.Prepared;
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
            var envelope = JsonSerializer.Serialize(new ExportEnvelope { Kind = "series", Series = req }, Json);
            var now = clock.GetUtcNow();
            await using var cmd = db.CreateCommand("""
                INSERT INTO export_jobs (id, owner_id, kind, format, source, title, status, phase, request, request_hash,
                    file_name, media_type, storage, storage_key, rows_written, bytes_written, row_count, tier, approximate,
                    approximation, error, attempts, created_at, updated_at, started_at, completed_at, direct)
                VALUES ($1, $2, 'series', $3, $4, $5, $6, 'done', $7, $8, $9, $10, 'none', '', $11, $12, $13, $14, $15, $16, $17,
                    1, $18, $19, $18, $19, true)
                """);
            void Add(object? v, NpgsqlDbType? type = null)
            {
                var prm = new NpgsqlParameter { Value = v ?? DBNull.Value };
                if (type is { } t) prm.NpgsqlDbType = t;
                cmd.Parameters.Add(prm);
            }
            Add(Guid.CreateVersion7(started));
            Add(owner);
            Add(p?.Format.Name ?? (req.Format ?? "csv").ToLowerInvariant());
            Add(p?.Plan.Source.Name ?? req.Source);
            Add(p?.FileName ?? req.Source ?? "export");
            Add(status);
            Add(envelope, NpgsqlDbType.Jsonb);
            Add(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(envelope))));
            Add(p?.FileName ?? "");
            Add(p?.MediaType ?? "");
            Add(watch.Rows ?? 0L);
            Add(watch.Bytes);
            Add(status == JobStatus.Completed ? watch.Rows : null, NpgsqlDbType.Bigint);
            Add(p?.Plan.Tier);
            Add(p?.Plan.Approximate?.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
            Add(p?.Plan.Approximation);
            Add(error);
            Add(started);
            Add(now);
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
