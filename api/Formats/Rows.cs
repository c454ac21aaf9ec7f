namespace Exports.Formats;

public enum ColumnType { Time, String, Double, Long }

/// <summary>The aggregate function that made a column's values (None for stored values and dimensions).</summary>
public enum Aggregate { None, Count, Sum, Avg, Min, Max, Percentile }

/// <summary>One column of the file: its header, its type, the slot of the row buffer that holds its value, and the
/// aggregate that made it.
/// <paramref name="Json"/>: a string column whose text is a JSON value (an array of a record), which JSON writers
/// embed as that value and every other writer writes as text.
/// <paramref name="IsOrdinal"/>: a number that is a position (an array element's index in an expanded export), neither
/// key nor value: written like any number, but never summed, summarized, pivoted or drawn.</summary>
public sealed record OutputColumn(string Name, ColumnType Type, int Slot, bool IsKey = false, Aggregate Aggregate = Aggregate.None,
    bool Json = false, bool IsOrdinal = false)
{
    /// <summary>A number to sum, summarize, pivot or draw: numeric, not a key and not a position.</summary>
    public bool IsValue => !IsKey && !IsOrdinal && Type is ColumnType.Double or ColumnType.Long;
}

/// <summary>
/// The current row, reused for every row of an export so that the hot path allocates nothing per row:
/// one typed array per kind of value, indexed by slot.
/// </summary>
public sealed class RowBuffer(int slots)
{
    public readonly DateTime[] Times = new DateTime[slots];
    public readonly double[] Doubles = new double[slots];
    public readonly long[] Longs = new long[slots];
    public readonly string?[] Strings = new string?[slots];
    public readonly bool[] Nulls = new bool[slots];
    public int Slots => slots;
}

/// <summary>What a writer needs to know about the rows it will receive.</summary>
public sealed record ExportSchema(
    IReadOnlyList<OutputColumn> Columns,
    TimeZoneInfo Zone,
    IReadOnlyDictionary<string, object?> Metadata)
{
    public int Slots => Columns.Count == 0 ? 0 : Columns.Max(c => c.Slot) + 1;

    /// <summary>When the export ran (metadata <c>exportedAt</c>, set by the caller from its clock): the date documents
    /// state as created. Writers are pure and never read a clock; without it, the Unix epoch.</summary>
    public DateTimeOffset ExportedAt => Metadata.TryGetValue("exportedAt", out var at) && at is DateTimeOffset d ? d : DateTimeOffset.UnixEpoch;
}

/// <summary>A writer of one format. Rows are written synchronously into a buffer; the caller awaits
/// <see cref="FlushIfFullAsync"/> between rows so that back-pressure reaches the database reader.</summary>
public interface IRowWriter
{
    ValueTask BeginAsync(CancellationToken ct);
    void Write(RowBuffer row);
    ValueTask FlushIfFullAsync(CancellationToken ct);
    ValueTask EndAsync(CancellationToken ct);
}
