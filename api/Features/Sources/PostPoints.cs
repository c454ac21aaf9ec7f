using Exports.Host;
using FastEndpoints;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.Sources;

/// <summary>POST /sources/{source}/points: points into a timeseries source, as a JSON array, NDJSON or CSV
/// (timestamp, metric, value, tags), streamed and all-or-nothing (<see cref="Ingest"/>).</summary>
public sealed class PostPoints(Ingest ingest) : Endpoint<IngestRequest, Results<Ok<IngestResult>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Post("/sources/{source}/points");
        RequestBinder(IngestRoutes.Binder);
        Description(d => IngestRoutes.Describe(d, "Ingest points (JSON array, NDJSON or CSV: timestamp, metric, value, tags)"));
    }

    public override Task<Results<Ok<IngestResult>, ProblemHttpResult>> ExecuteAsync(IngestRequest req, CancellationToken ct) =>
        ingest.HandleAsync(User.OwnerId(), req.Source, "timeseries", HttpContext.Request);
}
