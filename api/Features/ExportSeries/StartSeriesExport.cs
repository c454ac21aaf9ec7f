using System.Text.Json.Serialization;
using Exports.Host;
using Exports.Jobs;
using Exports.Series;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;

namespace Exports.Features.ExportSeries;

/// <summary>The body of POST /exports/series and POST /exports/series/direct: the one export request, as the whole
/// JSON body (not wrapped in a property).</summary>
public sealed class SeriesExportBody
{
    /// <summary>The request is the body itself. It has no name of its own in the JSON (<c>""</c>), so the binding's
    /// NullGuard names its fields from the root (<c>metrics[0]</c>, not <c>export.metrics[0]</c>).</summary>
    [FromBody, JsonPropertyName("")] public ExportRequest? Export { get; set; }
}

/// <summary>A JSON <c>null</c> is no request. The request's own rules need the source's catalog (metrics, fields,
/// tiers) and run after admission, in <see cref="SeriesExports.PrepareAsync"/>, the one place every way in to a series
/// export (this body, the query-string form, a widget's query, a background job) is checked: so a 429 still comes
/// before a 400, an unknown source is a 404 whatever else is wrong, and every error is reported at once.</summary>
public sealed class SeriesExportBodyValidator : Validator<SeriesExportBody>
{
    public SeriesExportBodyValidator() =>
        RuleFor(b => b.Export).NotNull().WithMessage("A JSON body is required.").OverridePropertyName("body");
}

/// <summary>POST /api/v1/exports/series: validates the whole request, then streams the file as it is produced.
/// Bad input is a 400 before any byte; a client disconnect cancels the database query. Admission first: an owner
/// with EXPORTS_STREAMS_PER_OWNER streams open gets 429 before any database work; an export estimated past the
/// in-memory buffer takes a streaming slot up front (503 when none is free); one estimated past the background
/// threshold runs as a job instead (202).</summary>
public sealed class StartSeriesExport(SeriesExports exports, JobQueue jobs, ExportGate gate, ResultCache cache) : Endpoint<SeriesExportBody>
{
    public override void Configure()
    {
        Post("/exports/series");
        Description(d => d.WithTags("Export series").WithSummary("Export a source's series or records as a streamed file")
            .Produces(200, contentType: "text/csv").Produces(200, contentType: "application/json")
            .Produces<BackgroundExport>(202).ProducesProblem(400).ProducesProblem(404).ProducesProblem(429).ProducesProblem(503));
    }

    public override async Task HandleAsync(SeriesExportBody body, CancellationToken ct) =>
        await Send.ResultAsync(await StreamAsync(body.Export!, exports, jobs, gate, cache, User.OwnerId(), HttpContext, ct));

    /// <summary>The export every streaming route runs (this one, the query-string form, a widget's data, a direct
    /// download): admission, validation, estimate, then the streamed file or the background job.</summary>
    /// <param name="field">Renames a field error for a caller whose input had other names (the query-string form).</param>
    /// <param name="streamOnly">Never start a background job (a direct download link: the browser would save the 202
    /// body as the file); an export grown past the threshold is a 409 instead.</param>
    /// <param name="watch">Counts the rows and bytes a streamed file was written with (direct downloads record them).</param>
    public static async Task<IResult> StreamAsync(ExportRequest req, SeriesExports exports, JobQueue jobs, ExportGate gate, ResultCache cache,
        Guid owner, HttpContext http, CancellationToken ct, Func<string, string>? field = null, StreamWatch? watch = null,
        bool streamOnly = false)
    {
        var lease = gate.TryOwner(owner, SyncKind.Stream);
        if (lease is null) return gate.OwnerRefused(SyncKind.Stream, http);
        try
        {
            var settings = gate.Settings;
            PrepareOutcome outcome;
            PreparedExport? prepared;
            Exports.Shared.Errors errors;
            long bytes = 0;
            // The result cache: an identical export of this owner over unchanged data, stored by a job within the TTL,
            // is sent from that job's file (Export-Cache: hit) instead of being computed again. Cache-Control: no-cache
            // or no-store computes it (a stream is never a source; one that becomes a job passes the directive on).
            var use = ResultCache.Use(http.Request.Headers.CacheControl);
            (CacheSource Source, Exports.Storage.ArtifactRead File)? cached = null;
            using (var planning = await gate.PlanAsync(ct))
            {
                if (planning is null) return gate.PlanningRefused(http);
                string? key = null;
                if (cache.Enabled && use == CacheUse.ReadAndStore) (outcome, prepared, errors, key) = await cache.PrepareAsync(exports, owner, req, ct);
                else (outcome, prepared, errors) = await exports.PrepareAsync(owner, req, ct);
                cached = await cache.OpenAsync(owner, key, ct);
                // Disposed when the request ends, whether or not the response ever runs (Copy below disposes it too).
                if (cached is { } opened) http.Response.RegisterForDisposeAsync(opened.File);
                // Sizing writes a sample: data that breaks the format's options (a gap in a required column) shows here.
                try { if (outcome == PrepareOutcome.Ok && cached is null) (_, bytes) = await exports.EstimateAsync(prepared!, ct); }
                catch (Exports.Formats.ExportDataException e) { return Problems.Field(field?.Invoke(e.Field) ?? e.Field, e.Message); }
            }
            if (cached is { } c)
            {
                watch?.Started(prepared!);
                if (watch is not null) watch.CacheHitOf = c.Source.Id;
                async Task<long> Copy(Stream body, CancellationToken token)
                {
                    await using var file = c.File;
                    await file.Body.CopyToAsync(body, token);
                    return c.Source.Rows;
                }
                var hitResponse = new FileResponse(prepared!.FileName, prepared.MediaType,
                    (body, token) => watch is null ? Copy(body, token) : watch.WriteAsync(body, s => Copy(s, token)),
                    gate, lease, null, prepared.Plan.Headers.Concat([new("Export-Cache", "hit"), new("Export-Cache-From", c.Source.Id.ToString())]));
                lease = null; // the response releases it when it ends
                return hitResponse;
            }
            if (outcome == PrepareOutcome.SourceNotFound) return Problems.NotFound($"No source named '{req.Source}'.");
            if (outcome == PrepareOutcome.Invalid)
                return Problems.Validation(field is null ? errors.ToDictionary() : errors.ToDictionary(field));
            if (bytes <= settings.Jobs.AsyncThresholdBytes)
            {
                // Past the buffer the export holds a connection while the client reads: take the slot before the query.
                var slot = bytes > settings.Streams.BufferBytes ? gate.TryStream() : null;
                if (bytes > settings.Streams.BufferBytes && slot is null) return gate.StreamsRefused(http);
                watch?.Started(prepared!);
                var response = new FileResponse(prepared!.FileName, prepared.MediaType,
                    (body, token) => watch is null ? exports.WriteAsync(prepared, body, token) : watch.WriteAsync(body, s => exports.WriteAsync(prepared, s, token)),
                    gate, lease, slot, prepared.Plan.Headers);
                lease = null; // the response releases it when it ends
                return response;
            }

            if (streamOnly)
                return Problems.Status(409, "This export is too large to stream now",
                    $"It is now estimated at {bytes / 1048576.0:N0} MB, above the {settings.Jobs.AsyncThresholdBytes / 1048576.0:N0} MB streamed directly; start it again to run it in the background.");
            // Too big to stream in one request: run it as a background job and say so.
            var (ok, refused) = await jobs.SubmitAsync(owner, new ExportEnvelope { Kind = "series", Series = req }, null, ct, use: use);
            if (refused is not null) return JobResults.Refused(refused, http);
            foreach (var (k, v) in prepared!.Plan.Headers) http.Response.Headers[k] = v;
            var reason = $"This export is estimated at {bytes / 1048576.0:N0} MB, above the {settings.Jobs.AsyncThresholdBytes / 1048576.0:N0} MB streamed directly; it runs in the background. Follow it at /api/v1/exports/{ok!.Job.Id}.";
            return TypedResults.Accepted($"/api/v1/exports/{ok.Job.Id}", new BackgroundExport(true, reason, ok.Job));
        }
        finally
        {
            lease?.Dispose();
        }
    }
}

/// <summary>A 202: the export runs as a background job, followed at /api/v1/exports/{id}.</summary>
public sealed record BackgroundExport(bool Background, string Reason, JobRecord Job);
