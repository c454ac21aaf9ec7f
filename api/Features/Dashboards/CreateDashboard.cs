using Exports.Data;
using Exports.Host;
using Exports.Layouts;
using FastEndpoints;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Marten;

namespace Exports.Features.Dashboards;

public sealed class CreateDashboardValidator : Validator<DashboardBody>
{
    public CreateDashboardValidator() => RuleFor(b => b).Custom((b, ctx) => DashboardRules.Check(b, Resolve<LayoutLimits>(), Resolve<TimeProvider>().GetUtcNow(), slugOptional: false, ctx.AddFailure));
}

/// <summary>POST /dashboards: a new dashboard; its slug is unique per owner (409 otherwise).</summary>
public sealed class CreateDashboard(IDocumentSession docs, TimeProvider clock) : Endpoint<DashboardBody, Results<Created<DashboardView>, ProblemHttpResult>>
{
    public override void Configure()
    {
        Post("/dashboards");
        Description(d => d.WithTags("Dashboards").WithSummary("Create a dashboard").ProducesProblem(400).ProducesProblem(409));
    }

    public override async Task<Results<Created<DashboardView>, ProblemHttpResult>> ExecuteAsync(DashboardBody body, CancellationToken ct)
    {
        var owner = User.OwnerId();
        if (await docs.Query<Dashboard>().AnyAsync(d => d.OwnerId == owner && d.Slug == body.Slug, ct)) return DashboardRules.SlugTaken(body.Slug!);
        var now = clock.GetUtcNow();
        var d = new Dashboard
        {
            Id = Guid.NewGuid(), OwnerId = owner, Slug = body.Slug!, Title = body.Title!.Trim(), Description = body.Description ?? "",
            Layout = DashboardRules.Store(body), CreatedAt = now, UpdatedAt = now,
        };
        // Two requests with one slug at once: the unique index on (owner_id, slug) refuses the second (409, BadRequests).
        docs.Insert(d);
        await docs.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/dashboards/{d.Id}", DashboardView.Of(d));
    }
}
