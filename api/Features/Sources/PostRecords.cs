using Exports.Host;
using FastEndpoints;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.Sources;

/// <summary>POST /sources/{source}/records: records into a records source, as a JSON array, NDJSON or CSV
/// (timestamp, optional id, fields), streamed and all-or-nothing (<see cref="Ingest"/>).</summary>
public sealed class PostRecords(Ingest ingest) : Endpoint<IngestRequest, Results<Ok<IngestResult>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Post("/sources/{source}/records");
        RequestBinder(IngestRoutes.Binder);
        Description(d => IngestRoutes.Describe(d, "Ingest records (JSON array, NDJSON or CSV: timestamp, optional id, fields)"));
    }

    public override Task<Results<Ok<IngestResult>, ProblemHttpResult>> ExecuteAsync(IngestRequest req, CancellationToken ct) =>
        ingest.HandleAsync(User.OwnerId(), req.Source, "records", HttpContext.Request);
}
