using System.Text.Json;
using FastEndpoints;
using FluentValidation;
using Exports.Data;
using Exports.Layouts;
using Marten;

namespace Exports.Features.Dashboards;

/// <summary>A dashboard in a list: what it is called and whether it has a public link.</summary>
public sealed record DashboardSummary(Guid Id, string Slug, string Title, string Description, bool Shared,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static DashboardSummary Of(Dashboard d) => new(d.Id, d.Slug, d.Title, d.Description, d.ShareHash is not null, d.CreatedAt, d.UpdatedAt);
}

/// <summary>A dashboard with its stored layout.</summary>
public sealed record DashboardView(Guid Id, string Slug, string Title, string Description, bool Shared,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, Layouts.ExportLayout Layout)
{
    public static DashboardView Of(Dashboard d) => new(d.Id, d.Slug, d.Title, d.Description, d.ShareHash is not null, d.CreatedAt, d.UpdatedAt,
        JsonSerializer.Deserialize<Layouts.ExportLayout>(d.Layout, Adapters.Json)!);
}

/// <summary>A request naming one of the caller's dashboards by id or slug; another owner's is simply not found.</summary>
public sealed class DashboardIdRequest
{
    public string Id { get; set; } = "";
}

public sealed class DashboardIdValidator : Validator<DashboardIdRequest>
{
    public DashboardIdValidator() =>
        RuleFor(r => r.Id).MaximumLength(100).WithMessage("A dashboard id or slug has at most 100 characters.").OverridePropertyName("id");
}

static class DashboardQueries
{
    public static Task<Dashboard?> FindAsync(IQuerySession docs, Guid owner, string idOrSlug, CancellationToken ct) =>
        LayoutSources.FindDashboardAsync(docs, owner, idOrSlug, ct);
}
