using System.Text.Json;
using Exports.Data;
using Exports.Jobs;

namespace Exports.Features.Templates;

public sealed record TemplateBody(string? Name, string? Description, ExportEnvelope? Request);

public sealed record TemplateVersionInfo(int Version, DateTimeOffset SavedAt);

public sealed record TemplateView(Guid Id, string Name, string Description, JsonElement Request, int Version,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<TemplateVersionInfo>? Versions = null)
{
    public static TemplateView From(ExportTemplate t, IReadOnlyList<TemplateVersionInfo>? versions = null) =>
        new(t.Id, t.Name, t.Description, JsonDocument.Parse(t.Request).RootElement.Clone(), t.Version, t.CreatedAt, t.UpdatedAt, versions);

    /// <summary>Name, description and request checked as an export would be, with a relative range and valid
    /// placeholders; returns the normalized request JSON or the refusal.</summary>
    public static async Task<(string? Json, Refusal? Refused)> CheckAsync(TemplateBody body, Guid owner, TemplateRuns runs, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(body.Name) || body.Name.Trim().Length > 100) errors["name"] = ["A name of 1 to 100 characters is required."];
        if (body.Description is { Length: > 2000 }) errors["description"] = ["The description has at most 2,000 characters."];
        if (body.Request is null) errors["request"] = ["request is the export envelope of POST /api/v1/exports."];
        if (errors.Count > 0) return (null, new Refusal(400, "The template is not valid", null, errors));
        if (await runs.ValidateAsync(owner, body.Request!, ct) is { } refused) return (null, refused);
        var normalized = body.Request!.Normalized(new Shared.Errors());
        return (JsonSerializer.Serialize(normalized, Json), null);
    }

    public static bool IsUniqueViolation(Microsoft.EntityFrameworkCore.DbUpdateException e) =>
        e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation };

    /// <summary>409 for a unique violation: the name (templates_owner_name) or a concurrent edit of the same version.</summary>
    public static IResult Conflict(Microsoft.EntityFrameworkCore.DbUpdateException e, string name) =>
        (e.InnerException as Npgsql.PostgresException)?.ConstraintName == "templates_owner_name"
            ? Exports.Host.Problems.Status(409, "A template with this name exists", $"You already have a template named '{name}'.")
            : Exports.Host.Problems.Status(409, "The template was changed meanwhile", "Someone saved it while you were editing; load it again and repeat your change.");

    static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };
}
