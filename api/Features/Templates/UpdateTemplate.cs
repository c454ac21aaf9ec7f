using Exports.Data;
using Exports.Host;
using Exports.Jobs;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Microsoft.EntityFrameworkCore;

namespace Exports.Features.Templates;

public sealed class UpdateTemplateRequest : TemplateBody
{
    public Guid Id { get; set; }
}

public sealed class UpdateTemplateValidator : Validator<UpdateTemplateRequest>
{
    public UpdateTemplateValidator() => Include(new TemplateBodyRules());
}

/// <summary>PUT /templates/{id}: a new version; the one it replaces stays readable under /versions/{n}.</summary>
public sealed class UpdateTemplate(ExportsDb db, TemplateRuns runs, TimeProvider clock) : Endpoint<UpdateTemplateRequest>
{
    public override void Configure()
    {
        Put("/templates/{id:guid}");
        Description(d => d.WithTags("Templates").WithSummary("Edit a template (keeps the previous version)")
            .Produces<TemplateView>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(409));
    }

    public override async Task HandleAsync(UpdateTemplateRequest req, CancellationToken ct) => await Send.ResultAsync(await UpdateAsync(req, ct));

    async Task<IResult> UpdateAsync(UpdateTemplateRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        var t = await db.Templates.FirstOrDefaultAsync(x => x.Id == req.Id && x.OwnerId == owner, ct);
        if (t is null) return Problems.NotFound($"No template {req.Id}.");
        var (json, refused) = await TemplateChecks.RequestAsync(req, owner, runs, ct);
        if (refused is not null) return JobResults.Refused(refused, HttpContext);
        var name = req.Name!.Trim();
        if (await db.Templates.AnyAsync(x => x.OwnerId == owner && x.Id != req.Id && x.Name.ToLower() == name.ToLower(), ct))
            return TemplateChecks.NameTaken(name);
        db.TemplateVersions.Add(new ExportTemplateVersion
        {
            TemplateId = t.Id, Version = t.Version, Name = t.Name, Description = t.Description, Request = t.Request, CreatedAt = t.UpdatedAt,
        });
        (t.Name, t.Description, t.Request, t.Version, t.UpdatedAt) = (name, req.Description?.Trim() ?? "", json!, t.Version + 1, clock.GetUtcNow());
        // A rename racing another to the same name, or two edits of one version, meet a unique index here.
        try { await db.SaveChangesAsync(ct); }
        catch (DbUpdateException e) when (TemplateChecks.IsUniqueViolation(e)) { return TemplateChecks.Conflict(e, name); }
        return TypedResults.Ok(TemplateView.From(t));
    }
}
