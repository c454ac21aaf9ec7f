namespace Exports.Formats.Excel;

/// <summary>Running count, sum, min and max: the cached values of the Summary formulas.</summary>
public struct RunningStats
{
    public long Count;
    public double Sum, Min, Max;

    public void Add(double v)
    {
        if (!double.IsFinite(v)) return;
        if (Count == 0) { Min = Max = v; }
        else { if (v < Min) Min = v; if (v > Max) Max = v; }
        Count++;
        Sum += v;
    }
}

/// <summary>The values of a text column while they stay a small closed set (for a list data validation).</summary>
public sealed class ClosedSet(int maxValues = 50, int maxChars = 250)
{
    public readonly SortedSet<string> Values = new(StringComparer.Ordinal);
    int _chars;
    public bool Open { get; private set; }

    public void Add(string? v)
    {
        if (Open || v is null || Values.Contains(v)) return;
        if (v.Contains(',') || v.Contains('"') || Values.Count >= maxValues || _chars + v.Length + 1 > maxChars) { Open = true; Values.Clear(); return; }
        Values.Add(v);
        _chars += v.Length + 1;
    }
}

/// <summary>
/// The cross-tab of series (the text key columns, e.g. metric and server) against time, for the Pivot sheet, the
/// chart and the PivotTable's items. Column-major in fixed 32 KB chunks, so nothing is ever copied or left behind as garbage while it
/// grows; bounded: past <see cref="MaxCells"/> cells or <see cref="MaxColumns"/> series it gives up, frees what
/// it held and says so.
/// </summary>
public sealed class PivotAccumulator(int[] keySlots, int timeSlot, int valueSlot, bool valueIsLong)
{
    public const int MaxCells = 1_000_000, MaxColumns = 256;
    const int Chunk = 4096;

    sealed class Node { public Dictionary<string, Node>? Next; public int Column = -1; }
    readonly Node _root = new();
    readonly Dictionary<long, int> _rowOf = [];
    readonly List<List<double[]>> _columns = [];
    public readonly List<long> Times = [];
    public readonly List<string> Columns = [];
    /// <summary>Each column's key values, in key order.</summary>
    public readonly List<string[]> Keys = [];
    public bool Overflow { get; private set; }
    /// <summary>Values beyond Excel's number range, which the Data sheet writes as text (a PivotTable skips them).</summary>
    public long TextValues { get; private set; }

    public void Add(RowBuffer row)
    {
        // A row without a value still names its series and time: both are rows and columns of the PivotTable.
        if (Overflow || row.Nulls[timeSlot]) return;
        var node = _root;
        foreach (var slot in keySlots)
        {
            var key = row.Nulls[slot] ? "" : row.Strings[slot] ?? "";
            node.Next ??= new Dictionary<string, Node>(StringComparer.Ordinal);
            if (!node.Next.TryGetValue(key, out var next)) node.Next[key] = next = new Node();
            node = next;
        }
        if (node.Column < 0)
        {
            if (Columns.Count >= MaxColumns || (long)(Columns.Count + 1) * Math.Max(1, Times.Count) > MaxCells) { GiveUp(); return; }
            node.Column = Columns.Count;
            Columns.Add(NameOf(row));
            Keys.Add(keySlots.Select(s => row.Nulls[s] ? "" : row.Strings[s] ?? "").ToArray());
            _columns.Add([]);
        }
        var ticks = row.Times[timeSlot].Ticks;
        if (!_rowOf.TryGetValue(ticks, out var r))
        {
            if ((long)(Times.Count + 1) * Columns.Count > MaxCells) { GiveUp(); return; }
            r = Times.Count;
            _rowOf[ticks] = r;
            Times.Add(ticks);
        }
        if (row.Nulls[valueSlot]) return;
        var chunks = _columns[node.Column];
        var c = r / Chunk;
        while (chunks.Count <= c) chunks.Add(null!);
        var chunk = chunks[c];
        if (chunk is null)
        {
            chunks[c] = chunk = new double[Chunk];
            Array.Fill(chunk, double.NaN);
        }
        var v = valueIsLong ? row.Longs[valueSlot] : row.Doubles[valueSlot];
        if (!valueIsLong && double.IsFinite(v) && !ExcelOptions.FitsExcel(v)) TextValues++;
        chunk[r % Chunk] = v;
    }

    // Its own method: a lambda over the row inside Add would allocate a closure on every call of Add.
    string NameOf(RowBuffer row) => string.Join(" · ", keySlots.Select(s => row.Nulls[s] ? "" : row.Strings[s]));

    void GiveUp()
    {
        Overflow = true;
        _columns.Clear(); _rowOf.Clear(); Times.Clear(); Columns.Clear(); Keys.Clear();
        _columns.TrimExcess(); _rowOf.TrimExcess(); Times.TrimExcess();
    }

    /// <summary>The value of a series at a time row; NaN where the series has none.</summary>
    public double Value(int column, int row)
    {
        var chunks = _columns[column];
        var c = row / Chunk;
        return c < chunks.Count && chunks[c] is { } chunk ? chunk[row % Chunk] : double.NaN;
    }

    /// <summary>Whether a series has any value (a series can name only rows whose values are missing).</summary>
    public bool HasValues(int column)
    {
        foreach (var chunk in _columns[column])
            if (chunk is not null)
                foreach (var v in chunk)
                    if (!double.IsNaN(v)) return true;
        return false;
    }

    /// <summary>Whether a time (UTC ticks) is one of the rows.</summary>
    public bool HasTime(long ticks) => _rowOf.ContainsKey(ticks);

    /// <summary>Column indexes in name order (ordinal), the order the Pivot sheet shows them.</summary>
    public int[] SortedColumns() => Enumerable.Range(0, Columns.Count).OrderBy(i => Columns[i], StringComparer.Ordinal).ToArray();

    /// <summary>Time rows in time order: (time ticks, row index for <see cref="Value"/>).</summary>
    public IEnumerable<(long Ticks, int Row)> Rows() =>
        Enumerable.Range(0, Times.Count).OrderBy(i => Times[i]).Select(i => (Times[i], i));
}
