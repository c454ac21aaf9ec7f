using Exports.Data;
using Exports.Host;
using FastEndpoints;
using Marten;

namespace Exports.Features.Templates;

/// <summary>DELETE /templates/{id}: the template (its stream keeps every version as history, its document goes) and,
/// in the same transaction, its schedules with their runs (<see cref="TemplateCascade"/>).</summary>
public sealed class DeleteTemplate(IDocumentSession docs, TimeProvider clock) : Endpoint<TemplateIdRequest>
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
        TemplateCascade.Delete(docs, t, owner, clock.GetUtcNow().ToMicroseconds());
        await docs.SaveChangesAsync(ct);
        await Send.ResultAsync(TypedResults.NoContent());
    }
}
