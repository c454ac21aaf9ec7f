namespace Exports.Rendering;

/// <summary>Everything the renderer needs, data included: it knows nothing of queries, sources or dashboards.</summary>
public sealed record RenderDocument(
    string Title, string Subtitle, TimeZoneInfo Zone, Theme Theme, GridSpec Grid, PageSpec Page,
    int ViewportWidth, double Scale, DateTimeOffset GeneratedAt, IReadOnlyList<RenderWidget> Widgets);

public sealed record GridSpec(int Columns = 12, int RowHeight = 80, int Gap = 8, int Padding = 16);

/// <summary>A PDF page in points (1/72 inch) with margins; header and footer on every page.</summary>
public sealed record PageSpec(double Width = 595.28, double Height = 841.89, double Margin = 36, bool Header = true, bool Footer = true);

public sealed record Threshold(double Value, Rgba Color);

public sealed record WidgetOptions
{
    public string? Unit { get; init; }
    public int? Decimals { get; init; }
    public IReadOnlyList<Threshold> Thresholds { get; init; } = [];
    public bool Legend { get; init; } = true;
    public bool Stacked { get; init; }
    public IReadOnlyList<Rgba>? Colors { get; init; }
    public double? Min { get; init; }
    public double? Max { get; init; }
    /// <summary>gap (break the line where data is missing), connect, or zero.</summary>
    public string Nulls { get; init; } = "gap";
    public int MaxRows { get; init; } = 12;
}

public sealed record DataSeries(string Name, double[] X, double[] Y);

/// <summary>What a widget shows, already resolved: series, a table, a single value, text, or why there is nothing.</summary>
public abstract record WidgetData;
public sealed record SeriesData(IReadOnlyList<DataSeries> Series, double FromMs, double ToMs) : WidgetData;
public sealed record TableData(IReadOnlyList<string> Columns, IReadOnlyList<bool> Numeric, IReadOnlyList<string[]> Rows, long TotalRows) : WidgetData
{
    /// <summary>The query was counted only up to <see cref="TotalRows"/>: it may have more.</summary>
    public bool TotalIsAtLeast { get; init; }

    /// <summary>"+N more rows" for the rows past the first <paramref name="shown"/>.</summary>
    public string More(long shown) => TotalIsAtLeast ? $"+{TotalRows - shown:N0} or more rows" : $"+{TotalRows - shown:N0} more rows";
}
public sealed record TextData(string Markdown) : WidgetData;
public sealed record ErrorData(string Message) : WidgetData;

public sealed record RenderWidget(string Id, string Type, string Title, int X, int Y, int W, int H, WidgetOptions Options, WidgetData Data)
{
    /// <summary>ok, no-data or error: what the export response reports per widget.</summary>
    public string Status => Data switch
    {
        ErrorData => "error",
        SeriesData s when s.Series.All(x => x.X.Length == 0) => "no-data",
        TableData t when t.Rows.Count == 0 => "no-data",
        _ => "ok",
    };
}
