using Exports.Data;
using Exports.Host;
using Exports.Jobs;
using Exports.Shared;
using FastEndpoints;
using Marten;

namespace Exports.Features.Templates;

public sealed class UpdateTemplateRequest : TemplateBody
{
    public Guid Id { get; set; }
}

public sealed class UpdateTemplateValidator : Validator<UpdateTemplateRequest>
{
    public UpdateTemplateValidator() => Include(new TemplateBodyRules());
}

/// <summary>PUT /templates/{id}: a new version appended to the template's stream; the one it replaces stays readable
/// under /versions/{n}. The append expects the version this request read: an edit that another saved meanwhile is a
/// 409 and saves nothing.</summary>
public sealed class UpdateTemplate(IDocumentSession docs, TemplateRuns runs, TimeProvider clock) : Endpoint<UpdateTemplateRequest>
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
        var t = await docs.LoadAsync<Template>(req.Id, ct);
        if (t is null || t.OwnerId != owner) return Problems.NotFound($"No template {req.Id}.");
        var (json, refused) = await TemplateChecks.RequestAsync(req, owner, runs, ct);
        if (refused is not null) return JobResults.Refused(refused, HttpContext);
        var name = req.Name!.Trim();
        var key = Template.KeyOf(name);
        if (await docs.Query<Template>().AnyAsync(x => x.OwnerId == owner && x.Id != req.Id && x.NameKey == key, ct))
            return TemplateChecks.NameTaken(name);
        // The stream's version after this append: the one read plus one, or a concurrency failure.
        docs.Events.Append(t.Id, t.Version + 1, new TemplateUpdated(name, req.Description?.Trim() ?? "", json!, owner, clock.GetUtcNow().ToMicroseconds()));
        // A rename racing another to the same name meets the unique index; two edits of one version, the expected version.
        try { await docs.SaveChangesAsync(ct); }
        catch (Exception e) when (TemplateChecks.IsNameTaken(e)) { return TemplateChecks.NameTaken(name); }
        catch (Exception e) when (TemplateChecks.IsStale(e)) { return TemplateChecks.Changed(); }
        var saved = await docs.LoadAsync<Template>(t.Id, ct);
        return TypedResults.Ok(TemplateView.From(saved!));
    }
}
