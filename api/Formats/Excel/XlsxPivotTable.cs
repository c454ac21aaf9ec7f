using System.Globalization;
using System.Text;

namespace Exports.Formats.Excel;

/// <summary>
/// A native PivotTable over the Data sheet: a pivot cache definition whose source is the Data sheet's used range
/// (records not stored, refreshOnLoad, so Excel and LibreOffice compute it from the cells when they open the file)
/// and a table with the series keys as rows, the time buckets as columns (none when they would not fit Excel's
/// columns) and the first measure as values, summarised by the function that made it (count and sum add up, min,
/// max, average). Totals never mix metrics: with several, each metric gets a subtotal and there is no grand total.
/// Its shared items are the distinct key values of the bounded <see cref="PivotAccumulator"/> (at most its series)
/// and the local times, kept only when they fit Excel's columns: it walks the accumulator's times once and holds
/// nothing else.
/// </summary>
public sealed class XlsxPivotTable
{
    public const string SheetName = "PivotTable";
    const int ExcelColumns = 16_384, Top = 3;
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    readonly OutputColumn[] _cols;
    readonly string[] _letters;
    readonly (string Name, int Rows) _data;
    readonly int _time, _value;
    readonly int[] _keys;
    readonly string[][] _items;
    readonly LocalTimes _times;
    readonly bool _timeColumns, _totals;
    /// <summary>The key (index into the keys) whose items get a subtotal each: the metric, when there are several; else -1.</summary>
    readonly int _subtotalKey;
    readonly string _subtotal;
    readonly RunningStats[] _stats;
    readonly long _rows, _asText;

    /// <summary>The distinct local times of the buckets: how many, the first and last, whether clocks going back folded
    /// two buckets into one, and the times themselves only when they fit Excel's columns.</summary>
    sealed record LocalTimes(int Count, DateTime Min, DateTime Max, bool Folded, List<DateTime>? List);

    XlsxPivotTable(OutputColumn[] cols, string[] letters, (string, int) data, int time, int value, int[] keys, string[][] items,
        LocalTimes times, RunningStats[] stats, long rows, long asText)
    {
        _cols = cols; _letters = letters; _data = data; _time = time; _value = value; _keys = keys; _items = items;
        _times = times; _timeColumns = times.List is not null; _stats = stats; _rows = rows; _asText = asText;
        var agg = cols[value].Aggregate;
        _subtotal = agg switch { Aggregate.Avg => "average", Aggregate.Min => "min", Aggregate.Max => "max", _ => "sum" };
        // Totals of averages would be averages of averages, not the average of the points: none are shown for avg.
        // Totals across metrics would add different quantities (cpu_percent + load_avg): with several metrics each
        // gets a subtotal per time and there are no grand totals. The two grand-total flags are on or off together:
        // LibreOffice shows rowGrandTotals alone as the bottom row, which Excel documents as the right-hand column.
        var metric = Array.FindIndex(keys, k => cols[k].Name == "metric");
        var severalMetrics = metric >= 0 && items[metric].Length > 1;
        _totals = agg != Aggregate.Avg && !severalMetrics;
        _subtotalKey = agg != Aggregate.Avg && severalMetrics && keys.Length > 1 ? metric : -1;
    }

    /// <summary>The PivotTable for these rows, or why there is none (then the Pivot sheet of values stands alone).</summary>
    public static (XlsxPivotTable? Table, string Why) Make(ExportSchema schema, OutputColumn[] cols, string[] letters,
        List<(string Name, int Rows)> data, int[] numeric, RunningStats[] stats, PivotAccumulator? pivot, long rows, long asText)
    {
        if (pivot is null) return (null, "Not made: it needs series key columns, a time column and a measure (group by a tag to get one).");
        if (pivot.Overflow) return (null, $"Not made: more than {PivotAccumulator.MaxColumns} series or {PivotAccumulator.MaxCells:N0} cells.");
        if (rows == 0 || pivot.Columns.Count == 0) return (null, "Not made: no rows.");
        if (data.Count > 1)
            return (null, $"Not made: the data spans {data.Count} sheets and a PivotTable reads one range; the Pivot sheet holds the values instead.");
        var value = numeric[0];
        var agg = cols[value].Aggregate;
        if (agg == Aggregate.None)
            return (null, $"Not made: {cols[value].Name} holds stored values, not an aggregate (choose a granularity and an aggregation); the Pivot sheet holds the values.");
        if (agg == Aggregate.Percentile)
            return (null, $"Not made: {cols[value].Name} is a percentile, and a PivotTable has no percentile summary; the Pivot sheet holds the values.");
        if (cols.Any(c => c.IsKey && c.Type is not (ColumnType.String or ColumnType.Time)))
            return (null, "Not made: a series key column is not text; the Pivot sheet holds the values.");
        if (pivot.TextValues > 0)
            return (null, $"Not made: {pivot.TextValues:N0} value(s) of {cols[value].Name} lie beyond Excel's number range and are text cells, which a PivotTable would leave out; the Pivot sheet holds the values.");
        // Excel and LibreOffice compare a PivotTable's items ignoring case: series whose keys differ only in case
        // would be joined into one row (summed, or averaged together).
        for (var a = 0; a < pivot.Keys.Count; a++)
            for (var b = a + 1; b < pivot.Keys.Count; b++)
                if (SameIgnoringCase(pivot.Keys[a], pivot.Keys[b]))
                    return (null, $"Not made: the series \"{pivot.Columns[a]}\" and \"{pivot.Columns[b]}\" differ only in case, and a PivotTable would join them into one; the Pivot sheet holds the values.");
        var time = Array.FindIndex(cols, c => c.Type == ColumnType.Time);
        var keys = Enumerable.Range(0, cols.Length).Where(i => cols[i].IsKey && cols[i].Type == ColumnType.String).ToArray();
        var items = keys.Select((_, k) => pivot.Keys.Select(x => x[k]).Distinct().Order(StringComparer.Ordinal).ToArray()).ToArray();
        var times = Times(pivot, schema.Zone, ExcelColumns - keys.Length - 1);
        // Where clocks go back, two buckets show the same local time and the table joins them under one heading.
        if (times.Folded && agg == Aggregate.Avg)
            return (null, "Not made: two time buckets share a local time (clocks went back), and the table would average their averages; the Pivot sheet holds the values.");
        if (times.List is null && agg == Aggregate.Avg)
            return (null, $"Not made: {times.Count:N0} time buckets do not fit Excel's columns, and an average over them would be an average of averages; the Pivot sheet holds the values.");
        return (new XlsxPivotTable(cols, letters, data[0], time, value, keys, items, times, stats, rows, asText) { SeriesCount = pivot.Columns.Count }, "");
    }

    static bool SameIgnoringCase(string[] a, string[] b)
    {
        for (var i = 0; i < a.Length; i++)
            if (!string.Equals(a[i], b[i], StringComparison.InvariantCultureIgnoreCase)) return false;
        return true;
    }

    /// <summary>One walk over the buckets in time order. A local time repeats only where clocks go back: an ambiguous
    /// local time repeats an earlier bucket when that bucket (the same local time at its earlier offset) is a row too.</summary>
    static LocalTimes Times(PivotAccumulator pivot, TimeZoneInfo zone, int fit)
    {
        List<DateTime>? list = [];
        int count = 0;
        bool folded = false;
        DateTime min = DateTime.MaxValue, max = DateTime.MinValue;
        foreach (var (ticks, _) in pivot.Rows())
        {
            var local = TimeZoneInfo.ConvertTimeFromUtc(new DateTime(ticks, DateTimeKind.Utc), zone);
            if (zone.IsAmbiguousTime(local) && Repeats(pivot, zone, local, ticks)) { folded = true; continue; }
            count++;
            if (local < min) min = local;
            if (local > max) max = local;
            if (list is null) continue;
            if (list.Count < fit) list.Add(local);
            else list = null;
        }
        list?.Sort();
        return new LocalTimes(count, min, max, folded, list);
    }

    static bool Repeats(PivotAccumulator pivot, TimeZoneInfo zone, DateTime local, long utcTicks)
    {
        foreach (var offset in zone.GetAmbiguousTimeOffsets(local))
        {
            var other = local.Ticks - offset.Ticks;
            if (other < utcTicks && pivot.HasTime(other)) return true;
        }
        return false;
    }

    string Caption => _subtotal switch { "average" => "Average", "min" => "Min", "max" => "Max", _ => "Sum" } + " of " + _cols[_value].Name;

    public string About => $"A PivotTable over {_data.Name}: {Caption} ({_cols[_value].Aggregate.ToString().ToLowerInvariant()} per bucket, summarised by {_subtotal}) "
        + $"for each {string.Join(" and ", _keys.Select(k => _cols[k].Name))}"
        + (_timeColumns ? $" against {_cols[_time].Name}" : $" over the whole range ({_times.Count:N0} time buckets do not fit Excel's columns)")
        + (_totals ? ", with grand totals."
            : _cols[_value].Aggregate == Aggregate.Avg ? "; no grand totals (an average of averages is not the average of the points)."
            : $"; {(_subtotalKey >= 0 ? "a subtotal per metric and " : "")}no grand totals (they would add different metrics).")
        + (_times.Folded ? " Where clocks went back, two time buckets share a local time, and its column holds both." : "")
        + " Excel and LibreOffice compute it from the Data sheet when they open the file.";

    /// <summary>The sheet that holds the table: a line saying what it is, the table from row 3.</summary>
    public void Sheet(Utf8Sink s)
    {
        s.Text(Xml.Header);
        s.Text($"<worksheet xmlns=\"{Xml.Main}\" xmlns:r=\"{Xml.Rel}\"><sheetViews><sheetView workbookViewId=\"0\"/></sheetViews><sheetFormatPr defaultRowHeight=\"15\"/>");
        s.Text($"<cols><col min=\"1\" max=\"{_keys.Length}\" width=\"18\" customWidth=\"1\"/><col min=\"{_keys.Length + 1}\" max=\"{Math.Min(ExcelColumns, _keys.Length + 1 + (_timeColumns ? _times.Count : 1))}\" width=\"20\" customWidth=\"1\"/></cols>");
        s.Text($"<sheetData><row r=\"1\"><c r=\"A1\" s=\"{XlsxStyles.Label}\" t=\"inlineStr\"><is><t>{Xml.Escape(About)}</t></is></c></row></sheetData>");
        s.Text("<pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" header=\"0.3\" footer=\"0.3\"/></worksheet>");
    }

    static string Date(DateTime t) => t.ToString(t.Ticks % TimeSpan.TicksPerSecond == 0 ? "yyyy-MM-dd'T'HH:mm:ss" : "yyyy-MM-dd'T'HH:mm:ss.fffffff", Inv);

    public string CacheDefinition()
    {
        var sb = new StringBuilder(Xml.Header);
        sb.Append($"<pivotCacheDefinition xmlns=\"{Xml.Main}\" xmlns:r=\"{Xml.Rel}\" saveData=\"0\" refreshOnLoad=\"1\" refreshedBy=\"Exports\" createdVersion=\"6\" refreshedVersion=\"6\" minRefreshableVersion=\"3\">");
        sb.Append($"<cacheSource type=\"worksheet\"><worksheetSource ref=\"A1:{_letters[^1]}{_data.Rows + 1}\" sheet=\"{Xml.Escape(_data.Name)}\"/></cacheSource>");
        sb.Append($"<cacheFields count=\"{_cols.Length}\">");
        for (var i = 0; i < _cols.Length; i++)
        {
            var c = _cols[i];
            sb.Append($"<cacheField name=\"{Xml.Escape(c.Name)}\" numFmtId=\"{(c.Type == ColumnType.Time ? 164 : 0)}\">");
            var k = Array.IndexOf(_keys, i);
            if (k >= 0)
            {
                var blank = _items[k].Contains("");
                sb.Append($"<sharedItems{(blank ? " containsBlank=\"1\"" : "")} count=\"{_items[k].Length}\">");
                foreach (var v in _items[k]) sb.Append(v.Length == 0 ? "<m/>" : $"<s v=\"{Xml.Escape(v)}\"/>");
                sb.Append("</sharedItems>");
            }
            else if (i == _time && _times.Count > 0)
            {
                sb.Append($"<sharedItems containsSemiMixedTypes=\"0\" containsNonDate=\"0\" containsDate=\"1\" containsString=\"0\" minDate=\"{Date(_times.Min)}\" maxDate=\"{Date(_times.Max)}\"");
                if (_times.List is { } list)
                {
                    sb.Append($" count=\"{list.Count}\">");
                    foreach (var t in list) sb.Append($"<d v=\"{Date(t)}\"/>");
                    sb.Append("</sharedItems>");
                }
                else sb.Append("/>");
            }
            else if (c.Type is ColumnType.Double or ColumnType.Long && !c.IsKey && (i == _value || _asText == 0) && _stats[i].Count == 0)
                sb.Append("<sharedItems containsNonDate=\"0\" containsString=\"0\" containsBlank=\"1\"/>"); // no values: as Excel writes it
            else if (c.Type is ColumnType.Double or ColumnType.Long && !c.IsKey && (i == _value || _asText == 0))
            {
                // As Excel writes a numeric field: with blanks it is "semi-mixed" (the attribute's default), without it is not.
                var st = _stats[i];
                var blank = st.Count < _rows;
                sb.Append(blank ? "<sharedItems containsString=\"0\" containsBlank=\"1\" containsNumber=\"1\"" : "<sharedItems containsSemiMixedTypes=\"0\" containsString=\"0\" containsNumber=\"1\"");
                if (c.Type == ColumnType.Long) sb.Append(" containsInteger=\"1\"");
                sb.Append($" minValue=\"{Xml.RoundTrip(st.Min)}\" maxValue=\"{Xml.RoundTrip(st.Max)}\"/>");
            }
            else sb.Append("<sharedItems/>");
            sb.Append("</cacheField>");
        }
        return sb.Append("</cacheFields></pivotCacheDefinition>").ToString();
    }

    public string Table(int cacheId)
    {
        var k = _keys.Length;
        var width = k + (_timeColumns ? _times.Count + (_totals ? 1 : 0) : 1);
        var subtotals = _subtotalKey >= 0 ? _items[_subtotalKey].Length : 0;
        var height = (_timeColumns ? 2 : 1) + SeriesCount + subtotals + (_totals ? 1 : 0);
        var sb = new StringBuilder(Xml.Header);
        sb.Append($"<pivotTableDefinition xmlns=\"{Xml.Main}\" name=\"PivotTable1\" cacheId=\"{cacheId}\" applyNumberFormats=\"0\" applyBorderFormats=\"0\" applyFontFormats=\"0\" applyPatternFormats=\"0\" applyAlignmentFormats=\"0\" applyWidthHeightFormats=\"1\" dataCaption=\"Values\" updatedVersion=\"6\" minRefreshableVersion=\"3\" createdVersion=\"6\" useAutoFormatting=\"1\" itemPrintTitles=\"1\" indent=\"0\" outline=\"0\" outlineData=\"0\" compact=\"0\" compactData=\"0\" multipleFieldFilters=\"0\"");
        sb.Append($" rowGrandTotals=\"{(_totals ? 1 : 0)}\" colGrandTotals=\"{(_totals ? 1 : 0)}\">");
        sb.Append($"<location ref=\"A{Top}:{Xml.Column(width - 1)}{Top + height - 1}\" firstHeaderRow=\"1\" firstDataRow=\"{(_timeColumns ? 2 : 1)}\" firstDataCol=\"{k}\"/>");
        sb.Append($"<pivotFields count=\"{_cols.Length}\">");
        for (var i = 0; i < _cols.Length; i++)
        {
            var key = Array.IndexOf(_keys, i);
            if (key >= 0) Items(sb, "axisRow", "", _items[key].Length, subtotal: key == _subtotalKey);
            else if (i == _time && _timeColumns) Items(sb, "axisCol", " numFmtId=\"164\"", _times.Count, subtotal: false);
            else sb.Append($"<pivotField{(i == _value ? " dataField=\"1\"" : "")} compact=\"0\" outline=\"0\" showAll=\"0\"/>");
        }
        sb.Append("</pivotFields>");
        // The field with subtotals goes first: only outer row fields show theirs.
        var order = _subtotalKey >= 0 ? _keys.Where((_, x) => x == _subtotalKey).Concat(_keys.Where((_, x) => x != _subtotalKey)) : _keys;
        sb.Append($"<rowFields count=\"{k}\">{string.Concat(order.Select(x => $"<field x=\"{x}\"/>"))}</rowFields>");
        if (_timeColumns) sb.Append($"<colFields count=\"1\"><field x=\"{_time}\"/></colFields>");
        sb.Append($"<dataFields count=\"1\"><dataField name=\"{Xml.Escape(Caption)}\" fld=\"{_value}\" subtotal=\"{_subtotal}\" baseField=\"0\" baseItem=\"0\" numFmtId=\"{(_cols[_value].Aggregate == Aggregate.Count ? 3 : 165)}\"/></dataFields>");
        sb.Append("<pivotTableStyleInfo name=\"PivotStyleLight16\" showRowHeaders=\"1\" showColHeaders=\"1\" showRowStripes=\"0\" showColStripes=\"0\" showLastColumn=\"1\"/>");
        return sb.Append("</pivotTableDefinition>").ToString();
    }

    /// <summary>Rows of the table: the distinct key combinations (one per series of the accumulator).</summary>
    public int SeriesCount { get; private init; }

    /// <summary>A field's items; with a subtotal, the automatic one (the data field's function) after them.</summary>
    static void Items(StringBuilder sb, string axis, string numFmt, int count, bool subtotal)
    {
        sb.Append($"<pivotField axis=\"{axis}\"{numFmt} compact=\"0\" outline=\"0\" showAll=\"0\"{(subtotal ? "" : " defaultSubtotal=\"0\"")}><items count=\"{count + (subtotal ? 1 : 0)}\">");
        for (var x = 0; x < count; x++) sb.Append($"<item x=\"{x}\"/>");
        if (subtotal) sb.Append("<item t=\"default\"/>");
        sb.Append("</items></pivotField>");
    }
}
