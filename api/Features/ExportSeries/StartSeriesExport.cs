using System.Security.Claims;
using Exports.Host;
using Exports.Jobs;
using Exports.Series;

namespace Exports.Features.ExportSeries;

/// <summary>POST /api/v1/exports/series: validates the whole request, then streams the file as it is produced.
/// Bad input is a 400 before any byte; a client disconnect cancels the database query. Admission first: an owner
/// with EXPORTS_STREAMS_PER_OWNER streams open gets 429 before any database work; an export estimated past the
/// in-memory buffer takes a streaming slot up front (503 when none is free).</summary>
public static class StartSeriesExport
{
    public static void Map(RouteGroupBuilder g) =>
        g.MapPost("/exports/series", (ExportRequest req, SeriesExports exports, JobQueue jobs, ExportGate gate, ClaimsPrincipal user, HttpContext http, CancellationToken ct) =>
                HandleAsync(req, exports, jobs, gate, user.OwnerId(), http, ct))
            .WithTags("Export series").WithSummary("Export a source's series or records as a streamed file")
            .Produces(200, contentType: "text/csv").Produces(200, contentType: "application/json")
            .Produces<BackgroundExport>(202).ProducesProblem(400).ProducesProblem(404).ProducesProblem(429).ProducesProblem(503);

    /// <param name="field">Renames a field error for a caller whose input had other names (the query-string form).</param>
    /// <param name="streamOnly">Never start a background job (a direct download link: the browser would save the 202
    /// body as the file); an export grown past the threshold is a 409 instead.</param>
    /// <param name="watch">Counts the rows and bytes a streamed file was written with (direct downloads record them).</param>
    public static async Task<IResult> HandleAsync(ExportRequest req, SeriesExports exports, JobQueue jobs, ExportGate gate,
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
            using (var planning = await gate.PlanAsync(ct))
            {
                if (planning is null) return gate.PlanningRefused(http);
                (outcome, prepared, errors) = await exports.PrepareAsync(owner, req, ct);
                // Sizing writes a sample: data that breaks the format's options (a gap in a required column) shows here.
                try { if (outcome == PrepareOutcome.Ok) (_, bytes) = await exports.EstimateAsync(prepared!, ct); }
                catch (Exports.Formats.ExportDataException e) { return Problems.Field(field?.Invoke(e.Field) ?? e.Field, e.Message); }
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
            var (ok, refused) = await jobs.SubmitAsync(owner, new ExportEnvelope { Kind = "series", Series = req }, null, ct);
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

public sealed record BackgroundExport(bool Background, string Reason, JobRecord Job);
