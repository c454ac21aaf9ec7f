using System.Text.Json;
using Exports.Rendering;
using Exports.Shared;

namespace Exports.Layouts;

public sealed record RenderedLayout(byte[] Bytes, string MediaType, string FileName, IReadOnlyList<WidgetStatus> Widgets, int Pages);
public sealed record WidgetStatus(string Id, string Status, string? Message);

/// <summary>Validate, resolve, draw: one call for every visual export (REST layouts, dashboards, monitors, alerts,
/// single widgets, the CLI).</summary>
public sealed class LayoutExports(LayoutResolver resolver)
{
    public async Task<(RenderedLayout? Result, Errors Errors)> RenderAsync(Guid owner, string author, ExportLayout layout, CancellationToken ct)
    {
        var errors = new Errors();
        var settings = LayoutValidator.Validate(layout, errors);
        if (settings is null) return (null, errors);
        var doc = await resolver.ResolveAsync(owner, layout, settings, ct);
        var statuses = doc.Widgets.Select(w => new WidgetStatus(w.Id, w.Status, (w.Data as ErrorData)?.Message)).ToList();
        var baseName = Series.SeriesExports.Sanitize(doc.Title) is { Length: > 0 } n ? n : "export";
        var stamp = TimeZoneInfo.ConvertTime(doc.GeneratedAt, doc.Zone).ToString("yyyy-MM-dd");
        if (settings.Format == "pdf")
        {
            var (pdf, pages) = LayoutRenderer.Pdf(doc, author);
            return (new RenderedLayout(pdf, "application/pdf", $"{baseName}-{stamp}.pdf", statuses, pages), errors);
        }
        return (new RenderedLayout(LayoutRenderer.Png(doc), "image/png", $"{baseName}-{stamp}.png", statuses, 1), errors);
    }

    /// <summary>Validates and resolves without drawing (the CLI's data dump, benchmarks).</summary>
    public async Task<(RenderDocument? Document, Errors Errors)> ResolveAsync(Guid owner, ExportLayout layout, CancellationToken ct)
    {
        var errors = new Errors();
        var settings = LayoutValidator.Validate(layout, errors);
        return settings is null ? (null, errors) : (await resolver.ResolveAsync(owner, layout, settings, ct), errors);
    }

    /// <summary>The result as an HTTP answer: the file, with every widget's status in the Export-Widgets header.</summary>
    public static IResult ToResult(RenderedLayout r, HttpContext http)
    {
        http.Response.Headers["Export-Widgets"] = JsonSerializer.Serialize(r.Widgets, JsonSerializerOptions.Web);
        http.Response.Headers["Export-Pages"] = r.Pages.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.File(r.Bytes, r.MediaType, r.FileName);
    }
}
