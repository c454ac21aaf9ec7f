using System.Text.Json;
using Exports.Host;
using Exports.Jobs;
using Exports.Series;
using Exports.Shared;
using FastEndpoints;
using Npgsql;
using NpgsqlTypes;

namespace Exports.Features.ExportSeries;

/// <summary>A signed, single-use link that streams the export (<see cref="StreamDirectDownload"/>), valid until
/// <c>expiresAt</c>, and the name the file is saved under.</summary>
public sealed record DirectLink(string Url, DateTimeOffset ExpiresAt, string FileName);

/// <summary>POST /api/v1/exports/series/direct: a download through the browser's download manager instead of a Blob
/// held in the page. Checks the request as the streamed export does (400 / 404 before anything is kept), keeps it for
/// <see cref="StreamDirectDownload.Lifetime"/> and answers 201 with a signed GET link; a request estimated past the
/// streaming threshold answers 202 with a background job, as <c>POST /exports/series</c> does. The body is the one
/// export request (<see cref="SeriesExportBody"/>, checked by its validator beside <see cref="StartSeriesExport"/>).</summary>
public sealed class CreateDirectDownload(SeriesExports exports, JobQueue jobs, ExportGate gate, NpgsqlDataSource db, DownloadLinks links, TimeProvider clock)
    : Endpoint<SeriesExportBody>
{
    public override void Configure()
    {
        Post("/exports/series/direct");
        Description(d => d.WithTags("Export series").WithSummary("A short-lived, single-use signed link that streams this export (for the browser's download manager)")
            .Produces<DirectLink>(201).Produces<BackgroundExport>(202).ProducesProblem(400).ProducesProblem(404).ProducesProblem(429).ProducesProblem(503));
    }

    public override async Task HandleAsync(SeriesExportBody body, CancellationToken ct) => await Send.ResultAsync(await CreateAsync(body.Export!, ct));

    async Task<IResult> CreateAsync(ExportRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        var http = HttpContext;
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
        var expires = DateTimeOffset.FromUnixTimeSeconds((now + StreamDirectDownload.Lifetime).ToUnixTimeSeconds());
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
            cmd.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(req, StreamDirectDownload.Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
            cmd.Parameters.Add(new NpgsqlParameter { Value = now });
            cmd.Parameters.Add(new NpgsqlParameter { Value = expires });
            await cmd.ExecuteNonQueryAsync(ct);
        }
        var url = $"/api/v1/exports/series/direct/{id}?token={Uri.EscapeDataString(links.Create(StreamDirectDownload.Subject(id, owner), expires))}";
        return TypedResults.Created(url, new DirectLink(url, expires, fileName));
    }
}
