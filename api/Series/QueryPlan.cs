using Exports.Shared;
using Exports.Formats;
using Npgsql;

namespace Exports.Series;

/// <summary>A validated export request turned into SQL, the columns it yields and how rows fill the buffer.</summary>
public sealed class QueryPlan
{
    public required SourceCatalog Source { get; init; }
    public required string Tier { get; init; }
    public required Granularity Granularity { get; init; }
    public required DateTimeOffset From { get; init; }
    public required DateTimeOffset To { get; init; }
    public required TimeZoneInfo Zone { get; init; }
    public required string Sql { get; init; }
    public required IReadOnlyList<object> Params { get; init; }
    /// <summary>Every column the query yields, by slot, before the request's column selection.</summary>
    public required IReadOnlyList<OutputColumn> AllColumns { get; init; }
    /// <summary>The file's columns: selected, renamed and ordered as the request asked.</summary>
    public required IReadOnlyList<OutputColumn> Columns { get; init; }
    public required IRowMapper Mapper { get; init; }
    public string? EstimateSql { get; init; }
    public required string RangeLabel { get; init; }
    /// <summary>"exact", or "upper bound" when the row estimate counts rows that may not exist (empty buckets, a
    /// filter on values that only raw points can evaluate).</summary>
    public string EstimateKind { get; init; } = "exact";
    /// <summary>Counts the stored rows (raw points, rollup buckets or records) the query reads: its cost.</summary>
    public string? ScanSql { get; init; }
    /// <summary>The aggregations whose values are approximate (percentiles merged from a rollup tier); empty when
    /// every value is exact.</summary>
    public IReadOnlyList<string> Approximate { get; init; } = [];
    /// <summary>How the approximate values are computed, or "exact".</summary>
    public string Approximation { get; init; } = "exact";

    /// <summary>The Export-Tier and Export-Approximate response headers that declare how the file was computed.</summary>
    public IEnumerable<KeyValuePair<string, string>> Headers =>
        Declare(Tier, Approximate, Approximation).Append(new("Export-Granularity", Granularity.Name));

    /// <summary>How the rows of <see cref="Sql"/> make chart series (for the preview's downsampled chart).</summary>
    public required ChartColumns Chart { get; init; }

    /// <summary>Export-Approximate is "false", or the approximate aggregations and the method
    /// (<c>p95,p99; method="..."</c>).</summary>
    public static IEnumerable<KeyValuePair<string, string>> Declare(string tier, IReadOnlyList<string> approximate, string? method)
    {
        yield return new("Export-Tier", tier);
        yield return new("Export-Approximate", approximate.Count == 0 ? "false"
            : $"{string.Join(",", approximate)}; method=\"{(method ?? "").Replace("\"", "'")}\"");
    }

    public NpgsqlCommand Command(NpgsqlConnection conn, string? sql = null)
    {
        var cmd = new NpgsqlCommand(sql ?? Sql, conn);
        foreach (var p in Params) cmd.Parameters.Add(new NpgsqlParameter { Value = p });
        return cmd;
    }
}

/// <summary>The SQL columns of a plan's query seen as chart series: column 0 is the time, <paramref name="Keys"/> are the
/// columns that tell series apart (group and metric indexes, or group values), <paramref name="Values"/> the numeric
/// columns drawn; each (key values, value column) pair is one series, named by <paramref name="Label"/>.</summary>
public sealed record ChartColumns(int Count, IReadOnlyList<int> Keys, IReadOnlyList<(int Column, string Name)> Values,
    Func<object?[], string, string> Label);

public interface IRowMapper
{
    /// <summary>Reads the current database row in column order (sequential access) into the buffer.</summary>
    void Fill(NpgsqlDataReader r, RowBuffer row);
}

/// <summary>Timeseries rows: time, group index, [metric index], values. Tags and metric names come from lookup
/// tables built from the catalog, so no string is read or allocated per row.</summary>
public sealed class SeriesRowMapper(bool hasMetricColumn, string[] metricNames, string?[][] groupValues,
    int dimSlotStart, ColumnType[] valueTypes, int valueSlotStart) : IRowMapper
{
    public void Fill(NpgsqlDataReader r, RowBuffer row)
    {
        row.Times[0] = r.GetDateTime(0);
        row.Nulls[0] = false;
        var g = groupValues[r.GetInt32(1)];
        for (var k = 0; k < g.Length; k++)
        {
            row.Strings[dimSlotStart + k] = g[k];
            row.Nulls[dimSlotStart + k] = g[k] is null;
        }
        var col = 2;
        if (hasMetricColumn)
        {
            row.Strings[1] = metricNames[r.GetInt32(2)];
            row.Nulls[1] = false;
            col = 3;
        }
        for (var i = 0; i < valueTypes.Length; i++, col++)
        {
            var slot = valueSlotStart + i;
            if (r.IsDBNull(col)) { row.Nulls[slot] = true; continue; }
            row.Nulls[slot] = false;
            if (valueTypes[i] == ColumnType.Long) row.Longs[slot] = r.GetInt64(col);
            else row.Doubles[slot] = r.GetDouble(col);
        }
    }
}

/// <summary>Records rows: every column read in order into its own slot.</summary>
public sealed class PlainRowMapper(ColumnType[] types) : IRowMapper
{
    public void Fill(NpgsqlDataReader r, RowBuffer row)
    {
        for (var i = 0; i < types.Length; i++)
        {
            if (r.IsDBNull(i)) { row.Nulls[i] = true; continue; }
            row.Nulls[i] = false;
            switch (types[i])
            {
                case ColumnType.Time: row.Times[i] = r.GetDateTime(i); break;
                case ColumnType.String: row.Strings[i] = r.GetString(i); break;
                case ColumnType.Long: row.Longs[i] = r.GetInt64(i); break;
                default: row.Doubles[i] = r.GetDouble(i); break;
            }
        }
    }
}
