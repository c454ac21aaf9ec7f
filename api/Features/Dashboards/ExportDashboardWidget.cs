using Exports.Data;
using Exports.Host;
using Exports.Layouts;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Marten;

namespace Exports.Features.Dashboards;

/// <summary>One widget of a dashboard to draw alone, with the dashboard's range and zone unless the query string
/// overrides them.</summary>
public sealed class ExportDashboardWidgetRequest
{
    public string Id { get; set; } = "";
    public string WidgetId { get; set; } = "";
    public string Format { get; set; } = "";
}

public sealed class ExportDashboardWidgetValidator : Validator<ExportDashboardWidgetRequest>
{
    public ExportDashboardWidgetValidator()
    {
        RuleFor(r => r.Format).Must(VisualFormats.IsValid).WithMessage(VisualFormats.Message).OverridePropertyName("format");
        RuleFor(r => r.WidgetId).MaximumLength(100).WithMessage("A widget id has at most 100 characters.").OverridePropertyName("widgetId");
    }
}

/// <summary>GET /dashboards/{id}/widgets/{widgetId}/export.{png|pdf}.</summary>
public sealed class ExportDashboardWidget(IQuerySession docs, LayoutExports exports, ExportGate gate) : Endpoint<ExportDashboardWidgetRequest>
{
    public override void Configure()
    {
        Get("/dashboards/{id}/widgets/{widgetId}/export.{format:regex(^(png|pdf)$)}");
        Description(d => d.WithTags("Dashboards").WithSummary("Export one widget of a dashboard").ProducesProblem(400).ProducesProblem(404).ProducesProblem(429));
    }

    public override async Task HandleAsync(ExportDashboardWidgetRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        if (await DashboardQueries.FindAsync(docs, owner, req.Id, ct) is not { } d)
            await Send.ResultAsync(Problems.NotFound($"No dashboard '{req.Id}'."));
        else if (Adapters.Widget(d, req.WidgetId) is not { } single)
            await Send.ResultAsync(Problems.NotFound($"Dashboard '{req.Id}' has no widget '{req.WidgetId}'."));
        else
        {
            var query = LayoutOverrides.Parse(HttpContext.Request.Query);
            await Send.ResultAsync(await gate.RenderAsync(exports, owner, User.Identity?.Name ?? "Exports", query.Apply(single, req.Format), HttpContext, ct, query));
        }
    }
}
