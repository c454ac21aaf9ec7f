using System.Text.Json;
using Exports.Rendering;
using Exports.Shared;

namespace Exports.Layouts;

public sealed record RenderedLayout(byte[] Bytes, string MediaType, string FileName, IReadOnlyList<WidgetStatus> Widgets, int Pages);
public sealed record WidgetStatus(string Id, string Status, string? Message);

/// <summary>Validate, resolve, draw: one call for every visual export (REST layouts, dashboards, monitors, alerts,
/// single widgets, the CLI).</summary>
public sealed class LayoutExports(LayoutResolver resolver, LayoutLimits limits, TimeProvider clock)
{
    /// <summary>Longest widget message the Export-Widgets header repeats; the whole message is drawn in the widget.</summary>
    public const int HeaderMessageChars = 200;

    public async Task<(RenderedLayout? Result, Errors Errors)> RenderAsync(Guid owner, string author, ExportLayout layout, CancellationToken ct)
    {
        var errors = new Errors();
        var settings = LayoutValidator.Validate(layout, errors, limits, clock.GetUtcNow());
        if (settings is null) return (null, errors);
        var doc = await resolver.ResolveAsync(owner, layout, settings, ct);
        var statuses = doc.Widgets.Select(w => new WidgetStatus(w.Id, w.Status, (w.Data as ErrorData)?.Message)).ToList();
        var baseName = Shared.FileNames.Sanitize(doc.Title) is { Length: > 0 } n ? n : "export";
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
        var settings = LayoutValidator.Validate(layout, errors, limits, clock.GetUtcNow());
        return settings is null ? (null, errors) : (await resolver.ResolveAsync(owner, layout, settings, ct), errors);
    }

    /// <summary>The widgets' statuses for the Export-Widgets header, within the configured header size.</summary>
    public string WidgetsHeader(RenderedLayout r) => WidgetsHeader(r.Widgets, limits.WidgetsHeaderBytes);

    /// <summary>Every widget's status as ASCII JSON of at most <paramref name="maxBytes"/>: messages are cut to
    /// <see cref="HeaderMessageChars"/> characters (saying how long they were; the full text is drawn in the widget's
    /// panel), and widgets that no longer fit are summed up in a last entry with status "omitted".</summary>
    public static string WidgetsHeader(IReadOnlyList<WidgetStatus> widgets, int maxBytes)
    {
        static string Json(object o) => JsonSerializer.Serialize(o, JsonSerializerOptions.Web); // escapes all non-ASCII
        var items = widgets.Select(w => w.Message is { Length: > HeaderMessageChars } m
            ? w with { Message = $"{m[..HeaderMessageChars]}… (cut from {m.Length:N0} characters; the widget shows it whole)" }
            : w).Select(Json).ToList();
        string Omitted(int from)
        {
            var rest = widgets.Skip(from).ToList();
            var counts = string.Join(", ", rest.GroupBy(w => w.Status).Select(g => $"{g.Key} {g.Count()}"));
            return Json(new WidgetStatus("*", "omitted", $"{rest.Count} more widgets not listed ({counts}): the header holds {maxBytes} bytes."));
        }
        var length = 2 + items.Sum(i => i.Length + 1);
        if (length <= maxBytes) return "[" + string.Join(",", items) + "]";
        var kept = new List<string>();
        var used = 2;
        for (var i = 0; i < items.Count; i++)
        {
            if (used + items[i].Length + 1 + Omitted(i + 1).Length + 1 > maxBytes) break;
            kept.Add(items[i]);
            used += items[i].Length + 1;
        }
        kept.Add(Omitted(kept.Count));
        return "[" + string.Join(",", kept) + "]";
    }
}
