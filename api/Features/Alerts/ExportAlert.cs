using Exports.Data;
using Exports.Host;
using Exports.Layouts;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Marten;

namespace Exports.Features.Alerts;

/// <summary>An alert to draw, as PNG or PDF; the layout overrides (range, zone, size, theme…) come from the query
/// string as on every visual export.</summary>
public sealed class ExportAlertRequest
{
    public Guid Id { get; set; }
    public string Format { get; set; } = "";
}

public sealed class ExportAlertValidator : Validator<ExportAlertRequest>
{
    public ExportAlertValidator() =>
        RuleFor(r => r.Format).Must(VisualFormats.IsValid).WithMessage(VisualFormats.Message).OverridePropertyName("format");
}

/// <summary>GET /alerts/{id}/export.{png|pdf}: the alert's targets drawn around its fire time.</summary>
public sealed class ExportAlert(IQuerySession docs, LayoutExports exports, ExportGate gate, TimeProvider clock) : Endpoint<ExportAlertRequest>
{
    public override void Configure()
    {
        Get("/alerts/{id:guid}/export.{format:regex(^(png|pdf)$)}");
        Description(d => d.WithTags("Alerts").WithSummary("Export an alert with its targets").ProducesProblem(404));
    }

    public override async Task HandleAsync(ExportAlertRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        if (await LayoutSources.AlertAsync(docs, owner, req.Id, clock.GetUtcNow(), ct) is not { } alert)
        {
            await Send.ResultAsync(Problems.NotFound($"No alert '{req.Id}'."));
            return;
        }
        var query = LayoutOverrides.Parse(HttpContext.Request.Query);
        await Send.ResultAsync(await gate.RenderAsync(exports, owner, User.Identity?.Name ?? "Exports", query.Apply(alert, req.Format.ToLowerInvariant()), HttpContext, ct, query));
    }
}
