using Exports.Data;
using Exports.Host;
using Exports.Jobs;
using FastEndpoints;
using Marten;

namespace Exports.Features.Templates;

public sealed class CreateTemplateValidator : Validator<TemplateBody>
{
    public CreateTemplateValidator() => Include(new TemplateBodyRules());
}

/// <summary>POST /templates: a saved export request, name unique per owner (409 otherwise). Starts the template's
/// event stream with version 1; the Template document is projected in the same transaction.</summary>
public sealed class CreateTemplate(IDocumentSession docs, TemplateRuns runs, TimeProvider clock) : Endpoint<TemplateBody>
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
        var key = Template.KeyOf(name);
        if (await docs.Query<Template>().AnyAsync(t => t.OwnerId == owner && t.NameKey == key, ct)) return TemplateChecks.NameTaken(name);
        var now = clock.GetUtcNow().ToMicroseconds();
        var id = Guid.CreateVersion7(now);
        docs.Events.StartStream<Template>(id, new TemplateCreated(id, owner, name, body.Description?.Trim() ?? "", json!, owner, now));
        // The unique index (owner, name_key) decides between two creates racing past the check above.
        try { await docs.SaveChangesAsync(ct); }
        catch (Exception e) when (TemplateChecks.IsNameTaken(e)) { return TemplateChecks.NameTaken(name); }
        var t = await docs.LoadAsync<Template>(id, ct);
        return TypedResults.Created($"/api/v1/templates/{id}", TemplateView.From(t!));
    }
}
