using System.Security.Claims;
using Exports.Host;
using Exports.Jobs;
using Exports.Series;

namespace Exports.Features.ExportSeries;

/// <summary>POST /api/v1/exports/series: validates the whole request, then streams the file as it is produced.
/// Bad input is a 400 before any byte; a client disconnect cancels the database query.</summary>
public static class StartSeriesExport
{
    public static void Map(RouteGroupBuilder g) =>
        g.MapPost("/exports/series", (ExportRequest req, SeriesExports exports, JobQueue jobs, ExportsSettings settings, ClaimsPrincipal user, HttpContext http, CancellationToken ct) =>
                HandleAsync(req, exports, jobs, settings, user.OwnerId(), http, ct))
            .WithTags("Export series").WithSummary("Export a source's series or records as a streamed file")
            .Produces(200, contentType: "text/csv").Produces(200, contentType: "application/json")
            .Produces<BackgroundExport>(202).ProducesProblem(400).ProducesProblem(404);

    /// <param name="field">Renames a field error for a caller whose input had other names (the query-string form).</param>
    public static async Task<IResult> HandleAsync(ExportRequest req, SeriesExports exports, JobQueue jobs, ExportsSettings settings,
        Guid owner, HttpContext http, CancellationToken ct, Func<string, string>? field = null)
    {
        var (outcome, prepared, errors) = await exports.PrepareAsync(owner, req, ct);
        if (outcome == PrepareOutcome.SourceNotFound) return Problems.NotFound($"No source named '{req.Source}'.");
        if (outcome == PrepareOutcome.Invalid)
            return Problems.Validation(field is null ? errors.ToDictionary() : errors.ToDictionary().ToDictionary(e => field(e.Key), e => e.Value));
        var (_, bytes) = await exports.EstimateAsync(prepared!, ct);
        if (bytes <= settings.Jobs.AsyncThresholdBytes)
            return new FileResponse(prepared!.FileName, prepared.MediaType, (body, token) => exports.WriteAsync(prepared, body, token));

        // Too big to stream in one request: run it as a background job and say so.
        var (ok, refused) = await jobs.SubmitAsync(owner, new ExportEnvelope { Kind = "series", Series = req }, null, ct);
        if (refused is not null) return JobResults.Refused(refused, http);
        var reason = $"This export is estimated at {bytes / 1048576.0:N0} MB, above the {settings.Jobs.AsyncThresholdBytes / 1048576.0:N0} MB streamed directly; it runs in the background. Follow it at /api/v1/exports/{ok!.Job.Id}.";
        return TypedResults.Accepted($"/api/v1/exports/{ok.Job.Id}", new BackgroundExport(true, reason, ok.Job));
    }
}

public sealed record BackgroundExport(bool Background, string Reason, JobRecord Job);
