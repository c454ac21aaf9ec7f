using Exports.Data;
using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Exports.Features.Templates;

/// <summary>GET /templates/{id}: one template with its version list, newest first (each version's event in the
/// template's stream, with when it was saved), read in one query of the events' numbers and times only.</summary>
public sealed class GetTemplate(IQuerySession docs, NpgsqlDataSource db) : Endpoint<TemplateIdRequest, Results<Ok<TemplateView>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Get("/templates/{id:guid}");
        Description(d => d.WithTags("Templates").WithSummary("One template with its versions").ProducesProblem(404));
    }

    public override async Task<Results<Ok<TemplateView>, ProblemHttpResult>> ExecuteAsync(TemplateIdRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        var t = await docs.LoadAsync<Template>(req.Id, ct);
        if (t is null || t.OwnerId != owner) return Problems.NotFound($"No template {req.Id}.");
        // One query for the list, neither event bodies read nor deserialized: each version's number and the time its
        // event says it was saved (its "at", not mt_events' timestamp, which for an imported version is the import's).
        var versions = new List<TemplateVersionInfo>();
        await using (var cmd = db.CreateCommand($"SELECT version, (data ->> 'at')::timestamptz FROM {docs.DocumentStore.Options.DatabaseSchemaName}.mt_events WHERE stream_id = $1 AND version <= $2 ORDER BY version DESC"))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = req.Id });
            cmd.Parameters.Add(new NpgsqlParameter { Value = (long)t.Version });
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) versions.Add(new TemplateVersionInfo((int)r.GetInt64(0), r.GetFieldValue<DateTimeOffset>(1)));
        }
        return TypedResults.Ok(TemplateView.From(t, versions));
    }
}
