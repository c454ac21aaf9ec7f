using Exports.Data;
using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using Marten;

namespace Exports.Features.Templates;

/// <summary>DELETE /templates/{id}: the template (its stream keeps every version as history, its document goes) and,
/// in the same transaction, its schedules with their runs (<see cref="TemplateCascade"/>); then their triggers.</summary>
public sealed class DeleteTemplate(IDocumentSession docs, IScheduleTriggers triggers, TimeProvider clock, ILogger<DeleteTemplate> log) : Endpoint<TemplateIdRequest>
{
    public override void Configure()
    {
        Delete("/templates/{id:guid}");
        Description(d => d.WithTags("Templates").WithSummary("Delete a template").Produces(204).ProducesProblem(404));
    }

    public override async Task HandleAsync(TemplateIdRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        var t = await docs.LoadAsync<Template>(req.Id, ct);
        if (t is null || t.OwnerId != owner)
        {
            await Send.ResultAsync(Problems.NotFound($"No template {req.Id}."));
            return;
        }
        var schedules = await TemplateCascade.DeleteAsync(docs, t, owner, clock.GetUtcNow().ToMicroseconds(), ct);
        await docs.SaveChangesAsync(ct);
        // After the commit: a trigger left behind (Quartz unavailable) finds no schedule when it fires and removes itself.
        try { await triggers.RemoveAsync(schedules, CancellationToken.None); }
        catch (Exception e) { log.LogWarning(e, "Could not remove the triggers of template {Template}'s schedules; each goes at its next firing", t.Id); }
        await Send.ResultAsync(TypedResults.NoContent());
    }
}
