using System.Security.Claims;
using Exports.Data;
using Exports.Host;
using Exports.Jobs;
using Microsoft.EntityFrameworkCore;

namespace Exports.Features.Templates;

/// <summary>POST /api/v1/templates/{id}/run: runs it now as a background export, optionally with another time
/// range or format; placeholders in the file name are filled in.</summary>
public static class RunTemplate
{
    public static void Map(RouteGroupBuilder g) =>
        g.MapPost("/templates/{id:guid}/run", async (Guid id, RunOverrides? body, ExportsDb db, TemplateRuns runs, ClaimsPrincipal user, HttpContext http, CancellationToken ct) =>
            {
                var owner = user.OwnerId();
                var t = await db.Templates.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id && x.OwnerId == owner, ct);
                if (t is null) return Problems.NotFound($"No template {id}.");
                var key = http.Request.Headers["Idempotency-Key"].FirstOrDefault();
                var (ok, refused) = await runs.RunAsync(owner, t.Name, t.Request, body, key, ct);
                return refused is not null ? JobResults.Refused(refused, http) : JobResults.Accepted(ok!.Job);
            })
            .WithTags("Templates").WithSummary("Run a template now (optionally with another range or format)")
            .Produces<JobRecord>(202).ProducesProblem(400).ProducesProblem(404).ProducesProblem(429);
}

public static class TemplatesEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        CreateTemplate.Map(api);
        ListTemplates.Map(api);
        GetTemplate.Map(api);
        UpdateTemplate.Map(api);
        DeleteTemplate.Map(api);
        RunTemplate.Map(api);
    }
}
