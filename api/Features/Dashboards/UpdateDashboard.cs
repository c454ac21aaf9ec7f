using Exports.Data;
using Exports.Host;
using Exports.Layouts;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Marten;

namespace Exports.Features.Dashboards;

public sealed class UpdateDashboardRequest : DashboardBody
{
    public string Id { get; set; } = "";
}

public sealed class UpdateDashboardValidator : Validator<UpdateDashboardRequest>
{
    public UpdateDashboardValidator() => RuleFor(b => b).Custom((b, ctx) => DashboardRules.Check(b, Resolve<LayoutLimits>(), Resolve<TimeProvider>().GetUtcNow(), slugOptional: true, ctx.AddFailure));
}

/// <summary>PUT /dashboards/{id}: replaces title, description and layout (and the slug when given, unique per owner).</summary>
public sealed class UpdateDashboard(IDocumentSession docs, TimeProvider clock) : Endpoint<UpdateDashboardRequest, Results<Ok<DashboardView>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Put("/dashboards/{id}");
        Description(d => d.WithTags("Dashboards").WithSummary("Replace a dashboard").ProducesProblem(400).ProducesProblem(404).ProducesProblem(409));
    }

    public override async Task<Results<Ok<DashboardView>, ProblemHttpResult>> ExecuteAsync(UpdateDashboardRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        if (await DashboardQueries.FindAsync(docs, owner, req.Id, ct) is not { } d) return Problems.NotFound($"No dashboard '{req.Id}'.");
        if (req.Slug is { } slug && slug != d.Slug && await docs.Query<Dashboard>().AnyAsync(x => x.OwnerId == owner && x.Slug == slug, ct))
            return DashboardRules.SlugTaken(slug);
        d.Slug = req.Slug ?? d.Slug;
        d.Title = req.Title!.Trim();
        d.Description = req.Description ?? d.Description;
        d.Layout = DashboardRules.Store(req);
        d.UpdatedAt = clock.GetUtcNow();
        docs.Update(d);
        await docs.SaveChangesAsync(ct);
        return TypedResults.Ok(DashboardView.Of(d));
    }
}
