using Exports.Host;
using Exports.Series;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using FluentValidation.Results;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using NpgsqlTypes;

namespace Exports.Features.Sources;

public sealed record CreateSourceRequest(string? Name, string? Kind, string? Description, List<FieldInfo>? Fields, Dictionary<string, string>? Units);

/// <summary>A source as created: its name (also its address, /sources/{name}), kind, description and declared fields.</summary>
public sealed record CreatedSource(string Name, string Kind, string Description, List<FieldInfo> Fields);

public sealed partial class CreateSourceValidator : Validator<CreateSourceRequest>
{
    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,62}$")]
    private static partial Regex Slug();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex FieldName();

    public CreateSourceValidator() => RuleFor(r => r).Custom((r, ctx) =>
    {
        foreach (var (field, messages) in Validate(r))
            foreach (var m in messages) ctx.AddFailure(new ValidationFailure(field, m)); // as written: no message formatting
    });

    static Dictionary<string, string[]> Validate(CreateSourceRequest req)
    {
        var e = new Dictionary<string, string[]>();
        if (req.Name is null || !Slug().IsMatch(req.Name)) e["name"] = ["A name is 1 to 63 lower-case letters, digits, '-' or '_'."];
        if (req.Kind is not ("timeseries" or "records")) e["kind"] = ["kind must be timeseries or records."];
        if (req.Kind == "records")
        {
            if (req.Fields is not { Count: > 0 }) e["fields"] = ["A records source declares its fields."];
            for (var i = 0; i < (req.Fields?.Count ?? 0); i++)
            {
                var f = req.Fields![i];
                if (f is null) { e[$"fields[{i}]"] = ["A field is an object with name, role and type."]; continue; }
                if (f.Name is null || !FieldName().IsMatch(f.Name) || f.Name is "time" or "timestamp" or "id")
                    e[$"fields[{i}].name"] = ["A field name is a letter or '_' then letters, digits or '_' (not time, timestamp or id)."];
                if (f.Role is not ("dimension" or "measure")) e[$"fields[{i}].role"] = ["role must be dimension or measure."];
                if (f.Type is not ("string" or "double" or "integer" or "array")) e[$"fields[{i}].type"] = ["type must be string, double, integer or array."];
                if (f.Role == "dimension" && f.Type is not ("string" or "array")) e[$"fields[{i}].type"] = ["A dimension is a string (or an array of scalars)."];
                if (f.Role == "measure" && f.Type is "string" or "array") e[$"fields[{i}].type"] = ["A measure is a number (double or integer)."];
                if (f.Unit is { } u && (!IngestText.IsClean(u) || u.Length > 32)) e[$"fields[{i}].unit"] = [$"A unit is at most 32 characters and never {IngestText.NotClean[9..]}."];
            }
            if (req.Fields?.Select(f => f?.Name).Distinct().Count() != req.Fields?.Count) e["fields"] = ["Field names must be unique."];
        }
        else if (req.Fields is { Count: > 0 }) e["fields"] = ["A timeseries source has no declared fields: send metrics with points."];
        if (req.Description is { Length: > 500 }) e["description"] = ["At most 500 characters."];
        else if (req.Description is { } d && !IngestText.IsClean(d)) e["description"] = [$"The description {IngestText.NotClean}."];
        foreach (var (unit, symbol) in req.Units ?? [])
        {
            var at = $"units.{StorableText.Display(unit)}";
            if (!IngestText.IsClean(unit) || symbol is null || !IngestText.IsClean(symbol)) e[at] = [symbol is null ? "A unit is a string." : $"The metric name or its unit {IngestText.NotClean}."];
            else if (unit.Length is 0 or > PointsIngest.MaxMetricLength) e[at] = [$"A metric name is 1 to {PointsIngest.MaxMetricLength} characters."];
            else if (symbol.Length > 32) e[at] = ["A unit is at most 32 characters."];
        }
        return e;
    }
}

/// <summary>POST /sources: creates a source, a timeseries (metrics appear as points arrive) or records with declared
/// fields; names are unique per owner (409).</summary>
public sealed class CreateSource(NpgsqlDataSource db, TimeProvider clock) : Endpoint<CreateSourceRequest, Results<Created<CreatedSource>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Post("/sources");
        Description(d => d.WithTags("Sources").WithSummary("Create a source")
            .ProducesProblem(400).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415));
    }

    public override async Task<Results<Created<CreatedSource>, ProblemHttpResult>> ExecuteAsync(CreateSourceRequest req, CancellationToken ct)
    {
        var schema = new SourceSchema { Fields = req.Fields ?? [], Units = req.Units ?? new() };
        var created = new CreatedSource(req.Name!, req.Kind!, req.Description ?? "", schema.Fields);
        // The name is unique per owner (sources_owner_name): a taken one inserts nothing, also when two requests race.
        await using var cmd = db.CreateCommand("""
            INSERT INTO sources (id, owner_id, name, kind, description, schema, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (owner_id, name) DO NOTHING
            """);
        foreach (var value in new object[] { Guid.NewGuid(), User.OwnerId(), created.Name, created.Kind, created.Description })
            cmd.Parameters.Add(new NpgsqlParameter { Value = value });
        cmd.Parameters.Add(new NpgsqlParameter { Value = schema.ToJson(), NpgsqlDbType = NpgsqlDbType.Jsonb });
        cmd.Parameters.Add(new NpgsqlParameter { Value = clock.GetUtcNow() });
        if (await cmd.ExecuteNonQueryAsync(ct) == 0)
            return Problems.Status(409, "A source with this name exists", $"You already have a source named '{req.Name}'.");
        return TypedResults.Created($"/api/v1/sources/{created.Name}", created);
    }
}
