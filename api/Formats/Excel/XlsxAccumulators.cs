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
/// The cross-tab of series (the text key columns, e.g. metric and server) against time, for the Pivot sheet and
/// the chart. Bounded: past <see cref="MaxCells"/> cells it gives up and says so instead of growing.
/// </summary>
public sealed class PivotAccumulator(int[] keySlots, int timeSlot, int valueSlot, bool valueIsLong)
{
    public const int MaxCells = 2_000_000, MaxColumns = 256;

    sealed class Node { public Dictionary<string, Node>? Next; public int Column = -1; }
    readonly Node _root = new();
    readonly Dictionary<long, int> _rowOf = [];
    readonly List<double[]> _rows = [];
    public readonly List<long> Times = [];
    public readonly List<string> Columns = [];
    int _width = 8;
    public bool Overflow { get; private set; }

    public void Add(RowBuffer row)
    {
        if (Overflow || row.Nulls[timeSlot] || row.Nulls[valueSlot]) return;
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
            if (Columns.Count >= MaxColumns) { GiveUp(); return; }
            node.Column = Columns.Count;
            Columns.Add(string.Join(" · ", keySlots.Select(s => row.Nulls[s] ? "" : row.Strings[s])));
            if (Columns.Count > _width)
            {
                _width *= 2;
                for (var i = 0; i < _rows.Count; i++) _rows[i] = Widen(_rows[i]);
            }
        }
        var ticks = row.Times[timeSlot].Ticks;
        if (!_rowOf.TryGetValue(ticks, out var r))
        {
            if ((long)(_rows.Count + 1) * _width > MaxCells) { GiveUp(); return; }
            r = _rows.Count;
            _rowOf[ticks] = r;
            var cells = new double[_width];
            Array.Fill(cells, double.NaN);
            _rows.Add(cells);
            Times.Add(ticks);
        }
        _rows[r][node.Column] = valueIsLong ? row.Longs[valueSlot] : row.Doubles[valueSlot];
    }

    double[] Widen(double[] old)
    {
        var cells = new double[_width];
        Array.Fill(cells, double.NaN);
        old.CopyTo(cells, 0);
        return cells;
    }

    void GiveUp()
    {
        Overflow = true;
        _rows.Clear(); _rowOf.Clear(); Times.Clear(); Columns.Clear();
    }

    /// <summary>Column indexes in name order (ordinal), the order the Pivot sheet shows them.</summary>
    public int[] SortedColumns() => Enumerable.Range(0, Columns.Count).OrderBy(i => Columns[i], StringComparer.Ordinal).ToArray();

    /// <summary>Rows in time order: (time ticks, value per column; NaN where the series has no value).</summary>
    public IEnumerable<(long Ticks, double[] Values)> Rows() =>
        Times.Select((t, i) => (t, i)).OrderBy(x => x.t).Select(x => (x.t, _rows[x.i]));
}
