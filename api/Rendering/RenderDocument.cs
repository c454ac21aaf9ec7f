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
    /// <summary>Table rows to show: as set, else what fits the panel in a PNG (12 fetched) and every row (up to
    /// EXPORTS_PDF_TABLE_ROWS) in a PDF, where tables continue across pages.</summary>
    public int? MaxRows { get; init; }
    /// <summary>Stat and gauge: how each series is reduced over the range (last, mean, max, min, sum).</summary>
    public string Reduce { get; init; } = "last";
    /// <summary>Stat and gauge: how several series merge. all (the query's own aggregation over every series'
    /// points, computed by PostgreSQL), mean, sum, max, min (of the series' reduced values) or first; null picks all
    /// for aggregated queries and mean for raw points.</summary>
    public string? Combine { get; init; }
    /// <summary>Charts: vertical dashed lines at given instants (an alert's fire time).</summary>
    public IReadOnlyList<TimeMarker> Markers { get; init; } = [];
}

public sealed record TimeMarker(double Ms, string Label, Rgba Color);

public sealed record DataSeries(string Name, double[] X, double[] Y);

/// <summary>How long a bucket is: a fixed number of milliseconds, or whole days or months of the query's zone.
/// Null on <see cref="SeriesData"/> for raw points (the data's own step is used).</summary>
public sealed record BucketSpan(double Ms, int Days, int Months, TimeZoneInfo Zone)
{
    /// <summary>The start of the bucket after the one starting at <paramref name="startMs"/>.</summary>
    public double Next(double startMs)
    {
        if (Days == 0 && Months == 0) return startMs + Ms;
        var local = TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds((long)startMs), Zone).DateTime;
        // The last bucket of year 9999 ends where time ends.
        if (Months > 0 ? (local.Year * 12 + local.Month) + Months > 9999 * 12 + 12 : (DateTime.MaxValue - local).TotalDays <= Days + 1)
            return new DateTimeOffset(DateTime.MaxValue, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var next = Months > 0 ? local.AddMonths(Months) : local.AddDays(Days);
        while (Zone.IsInvalidTime(next)) next = next.AddHours(1);
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(next, DateTimeKind.Unspecified), Zone)).ToUnixTimeMilliseconds();
    }
}

/// <summary>A stat's or gauge's one number and how it was reduced (drawn in small print under it).</summary>
public sealed record StatValue(double Value, double? First, string Method);

/// <summary>What a widget shows, already resolved: series, a table, a single value, text, or why there is nothing.</summary>
public abstract record WidgetData;
public sealed record SeriesData(IReadOnlyList<DataSeries> Series, double FromMs, double ToMs) : WidgetData
{
    public BucketSpan? Bucket { get; init; }
    /// <summary>Stat and gauge: the value to show; null draws the reduction of <see cref="Series"/> by the options.</summary>
    public StatValue? Stat { get; init; }
}
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
