using Exports.Shared;
using System.Text.Json;

namespace Exports.Series;

/// <summary>The one export request shape, shared by REST, the SPA, and later templates and schedules.</summary>
public sealed record ExportRequest
{
    public string? Source { get; init; }
    public List<string>? Metrics { get; init; }
    public List<string>? Fields { get; init; }
    public TimeframeSpec? Timeframe { get; init; }
    public string? Timezone { get; init; }
    public string? Granularity { get; init; }
    public JsonElement? Filter { get; init; }
    public List<string>? GroupBy { get; init; }
    public List<string>? Aggregations { get; init; }
    public string? Shape { get; init; }
    /// <summary>Compute every aggregation from raw points (exact percentiles at raw cost, within the raw range limit)
    /// instead of merging them from a rollup tier.</summary>
    public bool? Exact { get; init; }
    public ColumnSpec? Columns { get; init; }
    public string? Format { get; init; }
    public JsonElement? FormatOptions { get; init; }
    public string? Compression { get; init; }
    public string? Filename { get; init; }
    /// <summary>Array fields of records: expand (one row per element of <see cref="ExpandField"/>), stringify (JSON
    /// text) or list (JSON arrays in json / jsonl, LIST columns in parquet). Default: list for json and jsonl,
    /// stringify elsewhere.</summary>
    public string? ArrayHandling { get; init; }
    /// <summary>The array field arrayHandling: expand expands (optional when one array field is selected).</summary>
    public string? ExpandField { get; init; }
}

public sealed record TimeframeSpec
{
    public string? Last { get; init; }
    public string? From { get; init; }
    public string? To { get; init; }
}

public sealed record ColumnSpec
{
    public List<string>? Include { get; init; }
    public List<string>? Exclude { get; init; }
    public Dictionary<string, string>? Rename { get; init; }
    public List<string>? Order { get; init; }
}

