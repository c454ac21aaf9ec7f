using System.Globalization;
using Exports.Host;
using Exports.Jobs;
using Exports.Storage;
using Exports.Shared;
using FastEndpoints;
using Microsoft.AspNetCore.Http.Features;

namespace Exports.Features.History;

/// <summary>The signed link's token, when the caller has no session. The export's id is read from the route alone
/// (<c>Route&lt;Guid&gt;("id")</c>): a query-bound request would let <c>?id=</c> replace it.</summary>
public sealed class DownloadExportRequest : IQueryBound
{
    [BindFrom("token")] public string? Token { get; set; }
}

/// <summary>Nothing to refuse before the handler: a token that is not one the API signed answers 403, as always.</summary>
public sealed class DownloadExportValidator : Validator<DownloadExportRequest>;

/// <summary>GET /exports/{id}/download: the file, for its owner, or for anyone holding a signed link
/// (<c>?token=</c>: tampered 403, expired 410). Single <c>Range:</c> requests answer 206; each download that
/// starts at the first byte is counted. Anonymous by route, so a link works without a session; the handler asks
/// for one when no token is sent (401).</summary>
public sealed class DownloadExport(JobRecords records, DownloadLinks links, IArtifactStore store, TimeProvider clock) : Endpoint<DownloadExportRequest>
{
    public override void Configure()
    {
        Get("/exports/{id:guid}/download");
        AllowAnonymous();
        Description(d => d.WithTags("History").WithSummary("Download an export's file (owner, or a signed link)")
            .Produces(200).Produces(206).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409)
            .ProducesProblem(410).ProducesProblem(416));
    }

    public override async Task HandleAsync(DownloadExportRequest req, CancellationToken ct) => await Send.ResultAsync(await DownloadAsync(Route<Guid>("id"), req.Token, ct));

    async Task<IResult> DownloadAsync(Guid id, string? token, CancellationToken ct)
    {
        var http = HttpContext;
        JobRecord? job;
        if (token is not null)
        {
            var check = links.Check(id, token, clock.GetUtcNow());
            if (check == LinkCheck.Tampered) return Problems.Status(403, "This download link is not valid", "It was changed or never issued.");
            if (check == LinkCheck.Expired) return Problems.Status(410, "This download link has expired", "Ask the owner for a new link.");
            job = await records.GetAsync(id, ct);
        }
        else if (http.User.Identity?.IsAuthenticated == true) job = await records.GetAsync(http.User.OwnerId(), id, ct);
        else return Problems.Status(401, "Authentication required", "Sign in, send an API key, or use a signed download link.");

        if (job is null) return Problems.NotFound($"No export {id}.");
        if (job.Direct) return Problems.Status(409, "A direct download keeps no file", "It was streamed to the browser as it ran; run it again to download it again.");
        if (job.Status == JobStatus.Expired) return Problems.Status(410, "This export has expired", "Its file was deleted by retention; run it again.");
        if (job.Status != JobStatus.Completed) return Problems.Status(409, "The export is not ready", $"It is {job.Status}.");

        var size = job.SizeBytes ?? 0;
        var range = ParseRange(http.Request.Headers.Range.ToString(), size);
        if (range is { Unsatisfiable: true })
        {
            http.Response.Headers.ContentRange = $"bytes */{size}";
            return Problems.Status(416, "Range not satisfiable", $"The file has {size} bytes.");
        }
        var (from, to) = range is { } r ? (r.From, r.To) : (0L, size - 1);
        var read = await store.OpenAsync(job.StorageKey, from, to, ct);
        if (read is null) return Problems.Status(410, "The file is gone", "Its artifact is missing from the store; run the export again.");
        // From here the stream is ours until ArtifactResult takes it: close it on every other way out.
        try { if (from == 0) await records.CountDownloadAsync(id, clock.GetUtcNow(), ct); }
        catch
        {
            await read.DisposeAsync();
            throw;
        }
        return new ArtifactResult(read, job, range is not null ? (from, to) : null);
    }

    sealed record ByteRange(long From, long To, bool Unsatisfiable);

    /// <summary>One range of RFC 9110 <c>bytes=</c> form; several ranges, or a malformed header, mean the whole file.</summary>
    static ByteRange? ParseRange(string header, long size)
    {
        if (!header.StartsWith("bytes=", StringComparison.Ordinal) || header.Contains(',')) return null;
        var spec = header["bytes=".Length..].Trim();
        var dash = spec.IndexOf('-');
        if (dash < 0) return null;
        var (a, b) = (spec[..dash].Trim(), spec[(dash + 1)..].Trim());
        if (a.Length == 0)
        {
            if (!long.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out var suffix)) return null;
            return suffix == 0 || size == 0 ? new ByteRange(0, 0, true) : new ByteRange(Math.Max(0, size - suffix), size - 1, false);
        }
        if (!long.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out var from)) return null;
        var to = size - 1;
        if (b.Length > 0 && (!long.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out to) || to < from)) return null;
        if (from >= size) return new ByteRange(0, 0, true);
        return new ByteRange(from, Math.Min(to, size - 1), false);
    }

    sealed class ArtifactResult(ArtifactRead read, JobRecord job, (long From, long To)? range) : IResult
    {
        public async Task ExecuteAsync(HttpContext ctx)
        {
            await using var _ = read;
            ctx.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            var res = ctx.Response;
            res.StatusCode = range is null ? 200 : 206;
            res.ContentType = job.MediaType;
            res.ContentLength = read.Length;
            res.Headers.AcceptRanges = "bytes";
            res.Headers.ContentDisposition = FileResponse.ContentDisposition(job.FileName);
            res.Headers.CacheControl = "private, no-store";
            res.Headers["X-Content-Type-Options"] = "nosniff";
            if (job.Checksum is { } sum) res.Headers.ETag = $"\"{sum}\"";
            if (job.Tier is { } tier)
                foreach (var (k, v) in Exports.Series.QueryPlan.Declare(tier, job.Approximate ?? [], job.Approximation)) res.Headers[k] = v;
            if (job.Cache is { } cache) { res.Headers["Export-Cache"] = "hit"; res.Headers["Export-Cache-From"] = cache.FromJob.ToString(); }
            if (range is { } r) res.Headers.ContentRange = $"bytes {r.From}-{r.To}/{read.TotalLength}";
            try { await read.Body.CopyToAsync(res.Body, 1 << 16, ctx.RequestAborted); }
            catch (Exception) when (res.HasStarted) { ctx.Abort(); }
        }
    }
}
