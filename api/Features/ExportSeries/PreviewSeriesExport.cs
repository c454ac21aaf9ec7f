using System.Globalization;
using System.Text.Json.Serialization;
using Exports.Host;
using Exports.Series;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;

namespace Exports.Features.ExportSeries;

/// <summary>The export request as the whole JSON body (as POST /exports/series takes it), and the chart's width in
/// pixels from the query string (<c>?chartWidth=600</c>); without it the preview has no chart.</summary>
public sealed class PreviewSeriesExportRequest : IQueryBound
{
    /// <summary>The request is the body itself: no name of its own in the JSON, so NullGuard names its fields from the
    /// root (<c>metrics[0]</c>).</summary>
    [FromBody, JsonPropertyName("")] public ExportRequest? Export { get; set; }

    /// <summary>Text, not a number, so that every bad value ("abc", "+100", two values) gets the one message below.</summary>
    [QueryParam, BindFrom("chartWidth")] public string? ChartWidth { get; set; }
}

/// <summary>A JSON <c>null</c> is no request, and a chart width is a whole number of pixels; the request's own rules
/// run after admission, in <see cref="SeriesExports.PrepareAsync"/> (see <see cref="SeriesExportBodyValidator"/>).</summary>
public sealed class PreviewSeriesExportValidator : Validator<PreviewSeriesExportRequest>
{
    public PreviewSeriesExportValidator()
    {
        // The body first, alone: binding has always refused a missing body before looking at the query string.
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleFor(r => r.Export).NotNull().WithMessage("A JSON body is required.").OverridePropertyName("body");
        RuleFor(r => r.ChartWidth).Must(w => w is null || Pixels(w) is not null)
            .WithMessage($"chartWidth must be a whole number of pixels from {SeriesExports.ChartMinWidth} to {SeriesExports.ChartMaxWidth}.")
            .OverridePropertyName("chartWidth");
    }

    /// <summary>The width, or null when the text is not a whole number of pixels in range.</summary>
    public static int? Pixels(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var w) && w >= SeriesExports.ChartMinWidth && w <= SeriesExports.ChartMaxWidth
            ? w : null;
}

/// <summary>POST /api/v1/exports/series/preview[?chartWidth=600]: the first rows, the estimated row count and size per
/// format, the tier and granularity the export would read, the file name it is saved under, and (with chartWidth) every
/// series over the whole range as min/max per pixel column.</summary>
public sealed class PreviewSeriesExport(SeriesExports exports, ExportGate gate) : Endpoint<PreviewSeriesExportRequest, PreviewResult>
{
    public override void Configure()
    {
        Post("/exports/series/preview");
        Description(d => d.WithTags("Export series").WithSummary("Preview an export: first rows, estimates, tier, granularity, file name, downsampled chart")
            .Produces<PreviewResult>(200).ProducesProblem(400).ProducesProblem(404).ProducesProblem(429).ProducesProblem(503));
    }

    public override async Task HandleAsync(PreviewSeriesExportRequest req, CancellationToken ct) =>
        await Send.ResultAsync(await PreviewAsync(req.Export!, req.ChartWidth is { } w ? PreviewSeriesExportValidator.Pixels(w) : null, ct));

    async Task<IResult> PreviewAsync(ExportRequest req, int? width, CancellationToken ct)
    {
        var owner = User.OwnerId();
        using var lease = gate.TryOwner(owner, SyncKind.Preview);
        if (lease is null) return gate.OwnerRefused(SyncKind.Preview, HttpContext);
        using var planning = await gate.PlanAsync(ct);
        if (planning is null) return gate.PlanningRefused(HttpContext);
        var (outcome, prepared, errors) = await exports.PrepareAsync(owner, req, ct);
        return outcome switch
        {
            PrepareOutcome.SourceNotFound => Problems.NotFound($"No source named '{req.Source}'."),
            PrepareOutcome.Invalid => Problems.Validation(errors.ToDictionary()),
            _ => TypedResults.Ok(await exports.PreviewAsync(prepared!, gate.Settings.PreviewRows, ct, width)),
        };
    }
}
