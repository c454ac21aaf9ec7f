using Exports.Data;
using Exports.Host;
using FastEndpoints;
using FluentValidation;
using Marten;
using Marten.Linq.MatchesSql;

namespace Exports.Features.Templates;

/// <summary>An optional search over name and description.</summary>
public sealed class ListTemplatesRequest : IQueryBound
{
    [BindFrom("q")] public string? Q { get; set; }
}

public sealed class ListTemplatesValidator : Validator<ListTemplatesRequest>
{
    public ListTemplatesValidator() => RuleFor(r => r.Q).MaximumLength(200).WithMessage("q has at most 200 characters.").OverridePropertyName("q");
}

/// <summary>GET /templates?q=: your templates by name (at most 500), searched in name and description.</summary>
public sealed class ListTemplates(IQuerySession docs) : Endpoint<ListTemplatesRequest, List<TemplateView>>
{
    public override void Configure()
    {
        Get("/templates");
        Description(d => d.WithTags("Templates").WithSummary("List and search your templates"));
    }

    public override async Task<List<TemplateView>> ExecuteAsync(ListTemplatesRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        var query = docs.Query<Template>().Where(t => t.OwnerId == owner);
        if (!string.IsNullOrWhiteSpace(req.Q))
        {
            var pattern = "%" + req.Q.Trim().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
            query = query.Where(t => t.MatchesSql("(data ->> 'name' ILIKE ? OR data ->> 'description' ILIKE ?)", pattern, pattern));
        }
        var list = await query.OrderBy(t => t.Name).Take(500).ToListAsync(ct);
        return list.Select(t => TemplateView.From(t)).ToList();
    }
}
