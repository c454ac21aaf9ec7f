using System.Text.Json;
using Exports.Series;

namespace Exports.Layouts;

/// <summary>A layout to draw: the one visual export shape, produced by REST callers and by the dashboard, monitor,
/// alert and widget adapters. Widgets carry the same query shape as data exports.</summary>
public sealed record ExportLayout
{
    public string? Title { get; init; }
    public TimeframeSpec? Timeframe { get; init; }
    public string? Timezone { get; init; }
    /// <summary>"light", "dark", or { "mode": "dark", "palette": ["#hex", …] }.</summary>
    public JsonElement? Theme { get; init; }
    public GridRequest? Grid { get; init; }
    public PageRequest? Page { get; init; }
    public int? ViewportWidth { get; init; }
    public double? Scale { get; init; }
    public List<WidgetRequest>? Widgets { get; init; }
    /// <summary>png or pdf.</summary>
    public string? Format { get; init; }
}

public sealed record GridRequest
{
    public int? Columns { get; init; }
    public int? RowHeight { get; init; }
    public int? Gap { get; init; }
    public int? Padding { get; init; }
}

public sealed record PageRequest
{
    /// <summary>A4, A3, Letter, Legal, or custom with width and height in points.</summary>
    public string? Size { get; init; }
    public string? Orientation { get; init; }
    public double? Width { get; init; }
    public double? Height { get; init; }
    public double? Margin { get; init; }
    public bool? Header { get; init; }
    public bool? Footer { get; init; }
}

public sealed record WidgetRequest
{
    public string? Id { get; init; }
    public string? Type { get; init; }
    public string? Title { get; init; }
    public int X { get; init; }
    public int Y { get; init; }
    public int W { get; init; }
    public int H { get; init; }
    public ExportRequest? Query { get; init; }
    public JsonElement? Options { get; init; }
    /// <summary>Markdown for text widgets.</summary>
    public string? Text { get; init; }
}
