using Exports.Data;
using Exports.Host;
using Exports.Jobs;
using FastEndpoints;
using Microsoft.EntityFrameworkCore;

namespace Exports.Features.Templates;

public sealed class CreateTemplateValidator : Validator<TemplateBody>
{
    public CreateTemplateValidator() => Include(new TemplateBodyRules());
}

/// <summary>POST /templates: a saved export request, name unique per owner (409 otherwise).</summary>
public sealed class CreateTemplate(ExportsDb db, TemplateRuns runs, TimeProvider clock) : Endpoint<TemplateBody>
{
    public override void Configure()
    {
        Post("/templates");
        Description(d => d.WithTags("Templates").WithSummary("Save an export request as a template")
            .Produces<TemplateView>(201).ProducesProblem(400).ProducesProblem(409));
    }

    public override async Task HandleAsync(TemplateBody body, CancellationToken ct) => await Send.ResultAsync(await CreateAsync(body, ct));

    async Task<IResult> CreateAsync(TemplateBody body, CancellationToken ct)
    {
        var owner = User.OwnerId();
        var (json, refused) = await TemplateChecks.RequestAsync(body, owner, runs, ct);
        if (refused is not null) return JobResults.Refused(refused, HttpContext);
        var name = body.Name!.Trim();
        if (await db.Templates.AnyAsync(t => t.OwnerId == owner && t.Name.ToLower() == name.ToLower(), ct)) return TemplateChecks.NameTaken(name);
        var now = clock.GetUtcNow();
        var t = new ExportTemplate
        {
            Id = Guid.CreateVersion7(now), OwnerId = owner, Name = name, Description = body.Description?.Trim() ?? "",
            Request = json!, Version = 1, CreatedAt = now, UpdatedAt = now,
        };
        db.Templates.Add(t);
        // The unique index (owner, lower(name)) decides between two creates racing past the check above.
        try { await db.SaveChangesAsync(ct); }
        catch (DbUpdateException e) when (TemplateChecks.IsUniqueViolation(e)) { return TemplateChecks.Conflict(e, name); }
        return TypedResults.Created($"/api/v1/templates/{t.Id}", TemplateView.From(t));
    }
}
