using Exports.Host;
using Exports.Layouts;
using FastEndpoints;
using FluentValidation;

namespace Exports.Features.ExportLayout;

/// <summary>The layout's shape (sizes, widgets, options, query fields) checked before any admission or query; its
/// sources and metrics are checked when it is resolved.</summary>
public sealed class StartLayoutExportValidator : Validator<Layouts.ExportLayout>
{
    public StartLayoutExportValidator() => RuleFor(l => l).Custom((layout, ctx) =>
    {
        var errors = new Shared.Errors();
        LayoutValidator.Validate(layout, errors, Resolve<LayoutLimits>(), Resolve<TimeProvider>().GetUtcNow());
        foreach (var (field, messages) in errors.ToDictionary())
            foreach (var m in messages) ctx.AddFailure(field, m);
    });
}

/// <summary>POST /exports/layout: an ExportLayout in, a PNG or vector PDF out, drawn natively.</summary>
public sealed class StartLayoutExport(LayoutExports exports, ExportGate gate) : Endpoint<Layouts.ExportLayout>
{
    public override void Configure()
    {
        Post("/exports/layout");
        Description(d => d.WithTags("Export layout").WithSummary("Draw a layout of widgets to PNG or PDF")
            .Produces(200, contentType: "image/png").Produces(200, contentType: "application/pdf").ProducesProblem(400).ProducesProblem(429));
    }

    public override async Task HandleAsync(Layouts.ExportLayout layout, CancellationToken ct) =>
        await Send.ResultAsync(await gate.RenderAsync(exports, User.OwnerId(), User.Identity?.Name ?? "Exports", layout, HttpContext, ct));
}
