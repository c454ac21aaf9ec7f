using System.Security.Claims;
using Exports.Host;
using Exports.Series;

namespace Exports.Features.ExportSeries;

/// <summary>POST /api/v1/exports/series: validates the whole request, then streams the file as it is produced.
/// Bad input is a 400 before any byte; a client disconnect cancels the database query.</summary>
public static class StartSeriesExport
{
    public static void Map(RouteGroupBuilder g) =>
        g.MapPost("/exports/series", (ExportRequest req, SeriesExports exports, ClaimsPrincipal user, CancellationToken ct) =>
                HandleAsync(req, exports, user.OwnerId(), ct))
            .WithTags("Export series").WithSummary("Export a source's series or records as a streamed file")
            .Produces(200, contentType: "text/csv").Produces(200, contentType: "application/json")
            .ProducesProblem(400).ProducesProblem(404);

    public static async Task<IResult> HandleAsync(ExportRequest req, SeriesExports exports, Guid owner, CancellationToken ct)
    {
        var (outcome, prepared, errors) = await exports.PrepareAsync(owner, req, ct);
        return outcome switch
        {
            PrepareOutcome.SourceNotFound => Problems.NotFound($"No source named '{req.Source}'."),
            PrepareOutcome.Invalid => Problems.Validation(errors.ToDictionary()),
            _ => new FileResponse(prepared!.FileName, prepared.MediaType, (body, token) => exports.WriteAsync(prepared, body, token)),
        };
    }
}
