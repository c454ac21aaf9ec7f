using Exports.Data;
using Exports.Host;
using Exports.Layouts;
using Exports.Series;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Marten;

namespace Exports.Features.Monitors;

/// <summary>A monitor to draw, as PNG or PDF; layout overrides come from the query string as on every visual export.</summary>
public sealed class ExportMonitorRequest
{
    public Guid Id { get; set; }
    public string Format { get; set; } = "";
}

public sealed class ExportMonitorValidator : Validator<ExportMonitorRequest>
{
    public ExportMonitorValidator() =>
        RuleFor(r => r.Format).Must(VisualFormats.IsValid).WithMessage(VisualFormats.Message).OverridePropertyName("format");
}

/// <summary>GET /monitors/{id}/export.{png|pdf}: the monitor's status (evaluated now) above its linked dashboard.</summary>
public sealed class ExportMonitor(IDocumentSession docs, SeriesExports series, LayoutExports exports, ExportGate gate, TimeProvider clock)
    : Endpoint<ExportMonitorRequest>
{
    public override void Configure()
    {
        Get("/monitors/{id:guid}/export.{format:regex(^(png|pdf)$)}");
        Description(d => d.WithTags("Monitors").WithSummary("Export a monitor: its status and linked dashboard").ProducesProblem(404));
    }

    public override async Task HandleAsync(ExportMonitorRequest req, CancellationToken ct)
    {
        var owner = User.OwnerId();
        if (await LayoutSources.MonitorAsync(docs, series, owner, req.Id, clock.GetUtcNow(), ct) is not { } monitor)
        {
            await Send.ResultAsync(Problems.NotFound($"No monitor '{req.Id}'."));
            return;
        }
        var query = LayoutOverrides.Parse(HttpContext.Request.Query);
        await Send.ResultAsync(await gate.RenderAsync(exports, owner, User.Identity?.Name ?? "Exports", query.Apply(monitor, req.Format.ToLowerInvariant()), HttpContext, ct, query));
    }
}
