using Exports.Data;
using Exports.Host;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Microsoft.EntityFrameworkCore;

namespace Exports.Features.Templates;

/// <summary>DELETE /templates/{id}: the template, its versions and its schedules (their triggers are removed by the
/// schedule slice's sweep of schedules that no longer exist).</summary>
public sealed class DeleteTemplate(ExportsDb db) : Endpoint<TemplateIdRequest>
{
    public override void Configure()
    {
        Delete("/templates/{id:guid}");
        Description(d => d.WithTags("Templates").WithSummary("Delete a template").Produces(204).ProducesProblem(404));
    }

    public override async Task HandleAsync(TemplateIdRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        var n = await db.Templates.Where(x => x.Id == req.Id && x.OwnerId == owner).ExecuteDeleteAsync(ct);
        await Send.ResultAsync(n == 0 ? Problems.NotFound($"No template {req.Id}.") : TypedResults.NoContent());
    }
}
