using Exports.Data;
using Exports.Host;
using Exports.Layouts;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Marten;

namespace Exports.Features.Dashboards;

/// <summary>A dashboard to draw; the time range, zone, theme, page and scale overrides come from the query string as
/// on every visual export.</summary>
public sealed class ExportDashboardRequest
{
    public string Id { get; set; } = "";
    public string Format { get; set; } = "";
}

public sealed class ExportDashboardValidator : Validator<ExportDashboardRequest>
{
    public ExportDashboardValidator() =>
        RuleFor(r => r.Format).Must(VisualFormats.IsValid).WithMessage(VisualFormats.Message).OverridePropertyName("format");
}

/// <summary>GET /dashboards/{id}/export.{png|pdf}.</summary>
public sealed class ExportDashboard(IQuerySession docs, LayoutExports exports, ExportGate gate) : Endpoint<ExportDashboardRequest>
{
    public override void Configure()
    {
        Get("/dashboards/{id}/export.{format:regex(^(png|pdf)$)}");
        Description(d => d.WithTags("Dashboards").WithSummary("Export a dashboard as PNG or PDF").ProducesProblem(400).ProducesProblem(404).ProducesProblem(429));
    }

    public override async Task HandleAsync(ExportDashboardRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        if (await DashboardQueries.FindAsync(docs, owner, req.Id, ct) is not { } d)
        {
            await Send.ResultAsync(Problems.NotFound($"No dashboard '{req.Id}'."));
            return;
        }
        var query = LayoutOverrides.Parse(HttpContext.Request.Query);
        await Send.ResultAsync(await gate.RenderAsync(exports, owner, User.Identity?.Name ?? "Exports", query.Apply(Adapters.Dashboard(d), req.Format), HttpContext, ct, query));
    }
}
