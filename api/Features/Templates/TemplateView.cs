using System.Text.Json;
using Exports.Data;
using Exports.Jobs;
using FastEndpoints;
using FluentValidation;

namespace Exports.Features.Templates;

/// <summary>A template's editable part: its name, description and the export envelope of POST /api/v1/exports.</summary>
public class TemplateBody
{
    public string? Name { get; set; }
    public string? Description { get; set; }
    public ExportEnvelope? Request { get; set; }
}

/// <summary>The shape of a template body; the request itself is checked as an export would be (TemplateChecks).</summary>
public sealed class TemplateBodyRules : AbstractValidator<TemplateBody>
{
    public TemplateBodyRules()
    {
        RuleFor(b => b.Name).Must(n => !string.IsNullOrWhiteSpace(n) && n.Trim().Length <= 100)
            .WithMessage("A name of 1 to 100 characters is required.").OverridePropertyName("name");
        RuleFor(b => b.Description).MaximumLength(2000).WithMessage("The description has at most 2,000 characters.").OverridePropertyName("description");
        RuleFor(b => b.Request).NotNull().WithMessage("request is the export envelope of POST /api/v1/exports.").OverridePropertyName("request");
    }
}

/// <summary>A request naming one template by its id.</summary>
public sealed class TemplateIdRequest
{
    public Guid Id { get; set; }
}

/// <summary>Nothing to refuse: any id is well-formed, and one that names nothing here (the empty GUID included) is the
/// lookup's 404, as on every route of the API.</summary>
public sealed class TemplateIdValidator : Validator<TemplateIdRequest>;

public sealed record TemplateVersionInfo(int Version, DateTimeOffset SavedAt);

public sealed record TemplateView(Guid Id, string Name, string Description, ExportEnvelope Request, int Version,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<TemplateVersionInfo>? Versions = null)
{
    public static TemplateView From(Template t, IReadOnlyList<TemplateVersionInfo>? versions = null) =>
        new(t.Id, t.Name, t.Description, TemplateRuns.Envelope(t.Request), t.Version, t.CreatedAt, t.UpdatedAt, versions);
}

static class TemplateChecks
{
    /// <summary>The request checked as an export would be, with a relative range and valid placeholders; returns the
    /// normalized request JSON or the refusal.</summary>
    public static async Task<(string? Json, Refusal? Refused)> RequestAsync(TemplateBody body, Guid owner, TemplateRuns runs, CancellationToken ct)
    {
        if (await runs.ValidateAsync(owner, body.Request!, ct) is { } refused) return (null, refused);
        var normalized = body.Request!.Normalized(new Shared.Errors());
        return (JsonSerializer.Serialize(normalized, Json), null);
    }

    /// <summary>The save met the unique index on (owner, name): another template of the owner took the name meanwhile.</summary>
    public static bool IsNameTaken(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
            if (x is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation } pg && pg.ConstraintName == Host.Documents.TemplateNameIndex)
                return true;
        return false;
    }

    /// <summary>The append met a stream that another save moved past the version this one read (an optimistic
    /// concurrency failure, as any <see cref="JasperFx.ConcurrencyException"/>).</summary>
    public static bool IsStale(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
            if (x is JasperFx.ConcurrencyException) return true;
        return false;
    }

    /// <summary>409 for two edits of the same version: the second is refused, nothing of it saved.</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Changed() =>
        Shared.Problems.Status(409, "The template was changed meanwhile", "Someone saved it while you were editing; load it again and repeat your change.");

    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult NameTaken(string name) =>
        Shared.Problems.Status(409, "A template with this name exists", $"You already have a template named '{name}'.");

    static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };
}
