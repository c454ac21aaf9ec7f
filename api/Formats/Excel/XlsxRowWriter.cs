using System.IO.Compression;
using System.Text.Json;

namespace Exports.Formats.Excel;

/// <summary>
/// An .xlsx workbook written as a stream: the ZIP container is produced front to back and drained to the output
/// as it grows, Data sheets first (split at the sheet row limit into "Data (2)", ...), then Summary, Pivot, Chart,
/// PivotTable and About, then the workbook parts that list them (and the PivotTable's cache and table parts). Memory holds the first rows (to fit column widths), the
/// summary figures and a bounded cross-tab for the pivot and chart, never the data.
/// </summary>
public sealed class XlsxRowWriter : IRowWriter, IAsyncDisposable
{
    const int WidthSampleRows = 200;

    readonly ExportSchema _schema;
    readonly Stream _out;
    readonly ExcelOptions _o;
    readonly OutputColumn[] _cols;
    readonly string[] _letters;
    readonly PendingBytes _pending = new();
    readonly ZipArchive _zip;
    readonly List<(string Name, string Kind, string Part)> _sheets = [];
    readonly List<(string Name, int Rows)> _dataSheets = [];
    readonly List<RowBuffer> _head = [];
    readonly RunningStats[] _stats;
    readonly Dictionary<string, RunningStats[]>? _perMetric;
    readonly int _metricSlot = -1;
    readonly ClosedSet?[] _sets;
    readonly PivotAccumulator? _pivot;
    readonly int[] _numeric;
    readonly bool _utc;
    double[] _widths = [];
    Stream? _entry;
    Utf8Sink? _sink;
    int _sheetRow;
    long _rows, _truncated, _asText;
    bool _metricsOverflow, _subSecond;

    public XlsxRowWriter(ExportSchema schema, Stream output, ExcelOptions options)
    {
        _schema = schema;
        _out = output;
        _o = options;
        _cols = schema.Columns.ToArray();
        _letters = _cols.Select((_, i) => Xml.Column(i)).ToArray();
        _zip = new ZipArchive(_pending, ZipArchiveMode.Create, leaveOpen: true);
        _numeric = Enumerable.Range(0, _cols.Length).Where(i => _cols[i].IsValue).ToArray();
        _stats = new RunningStats[_cols.Length];
        _sets = _cols.Select(c => c.Type == ColumnType.String && c.IsKey ? new ClosedSet() : null).ToArray();
        var metric = Array.FindIndex(_cols, c => c.Name == "metric" && c.Type == ColumnType.String);
        if (metric >= 0 && _numeric.Length > 0) { _metricSlot = _cols[metric].Slot; _perMetric = new(StringComparer.Ordinal); }
        var keys = _cols.Where(c => c.IsKey && c.Type == ColumnType.String).Select(c => c.Slot).ToArray();
        var time = Array.Find(_cols, c => c.Type == ColumnType.Time);
        if (_o.Pivot && keys.Length > 0 && time is not null && _numeric.Length > 0)
            _pivot = new PivotAccumulator(keys, time.Slot, _cols[_numeric[0]].Slot, _cols[_numeric[0]].Type == ColumnType.Long);
        _utc = schema.Zone.BaseUtcOffset == TimeSpan.Zero && !schema.Zone.SupportsDaylightSavingTime;
    }

    public ValueTask BeginAsync(CancellationToken ct) => ValueTask.CompletedTask;

    public void Write(RowBuffer row)
    {
        _rows++;
        Track(row);
        if (_entry is null)
        {
            _head.Add(Copy(row));
            if (_head.Count >= WidthSampleRows) StartFirstSheet();
            return;
        }
        WriteDataRow(row);
    }

    public async ValueTask FlushIfFullAsync(CancellationToken ct)
    {
        if (_sink is { Full: true }) await _sink.FlushAsync(ct);
        if (_pending.Pending >= 1 << 18) await _pending.DrainAsync(_out, ct);
    }

    // ---- data sheets ------------------------------------------------------------------------------------------

    void Track(RowBuffer row)
    {
        foreach (var i in _numeric)
        {
            var c = _cols[i];
            if (row.Nulls[c.Slot] || !Counted(c, row)) continue;
            _stats[i].Add(c.Type == ColumnType.Long ? row.Longs[c.Slot] : row.Doubles[c.Slot]);
        }
        if (_perMetric is not null && !_metricsOverflow && !row.Nulls[_metricSlot] && row.Strings[_metricSlot] is { } m)
        {
            if (!_perMetric.TryGetValue(m, out var s))
            {
                if (_perMetric.Count >= 50) { _metricsOverflow = true; goto sets; }
                _perMetric[m] = s = new RunningStats[_cols.Length];
            }
            foreach (var i in _numeric)
            {
                var c = _cols[i];
                if (!row.Nulls[c.Slot] && Counted(c, row)) s[i].Add(c.Type == ColumnType.Long ? row.Longs[c.Slot] : row.Doubles[c.Slot]);
            }
        }
        sets:
        for (var i = 0; i < _cols.Length; i++)
            if (_sets[i] is { } set && !row.Nulls[_cols[i].Slot]) set.Add(row.Strings[_cols[i].Slot]);
        _pivot?.Add(row);
    }

    /// <summary>Whether the value is a number cell, so the Summary formulas count it (text cells they skip).</summary>
    static bool Counted(OutputColumn c, RowBuffer row) => c.Type == ColumnType.Long || ExcelOptions.FitsExcel(row.Doubles[c.Slot]);

    RowBuffer Copy(RowBuffer row)
    {
        var c = new RowBuffer(row.Slots);
        row.Times.CopyTo(c.Times, 0); row.Doubles.CopyTo(c.Doubles, 0); row.Longs.CopyTo(c.Longs, 0);
        row.Strings.CopyTo(c.Strings, 0); row.Nulls.CopyTo(c.Nulls, 0);
        return c;
    }

    void StartFirstSheet()
    {
        _widths = _cols.Select(c => (double)Math.Max(c.Name.Length + 4, c.Type switch
        {
            ColumnType.Time => _o.DateFormatGiven ? _o.DateFormat.Length + 2 : ExcelOptions.SubSecondDateFormat.Length + 2,
            ColumnType.Double => 12,
            ColumnType.Long => 10,
            _ => 8,
        })).ToArray();
        foreach (var r in _head)
            for (var i = 0; i < _cols.Length; i++)
                if (_cols[i].Type == ColumnType.String && !r.Nulls[_cols[i].Slot] && r.Strings[_cols[i].Slot] is { } s)
                    _widths[i] = Math.Max(_widths[i], Math.Min(s.Length, 80) + 2);
        for (var i = 0; i < _widths.Length; i++) _widths[i] = Math.Min(_widths[i] * 1.1, 90);
        OpenDataSheet();
        foreach (var r in _head) WriteDataRow(r);
        _head.Clear();
    }

    string DataSheetName(int n) => n == 1 ? _o.SheetName : $"{(_o.SheetName.Length > 24 ? _o.SheetName[..24] : _o.SheetName)} ({n})";

    void OpenDataSheet()
    {
        var n = _dataSheets.Count + 1;
        var name = DataSheetName(n);
        var part = $"xl/worksheets/sheet{_sheets.Count + 1}.xml";
        _sheets.Add((name, "data", part));
        _dataSheets.Add((name, 0));
        _entry = _zip.CreateEntry(part, CompressionLevel.Fastest).Open();
        _sink = new Utf8Sink(_entry);
        var s = _sink;
        s.Text(Xml.Header);
        s.Text($"<worksheet xmlns=\"{Xml.Main}\" xmlns:r=\"{Xml.Rel}\">");
        s.Text(n == 1 ? "<sheetViews><sheetView tabSelected=\"1\" workbookViewId=\"0\">" : "<sheetViews><sheetView workbookViewId=\"0\">");
        if (_o.FreezeHeader) s.Text("<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/><selection pane=\"bottomLeft\" activeCell=\"A2\" sqref=\"A2\"/>");
        s.Text("</sheetView></sheetViews><sheetFormatPr defaultRowHeight=\"15\"/><cols>");
        for (var i = 0; i < _cols.Length; i++)
            s.Text($"<col min=\"{i + 1}\" max=\"{i + 1}\" width=\"{_widths[i].ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)}\" customWidth=\"1\"/>");
        s.Text("</cols><sheetData><row r=\"1\">");
        for (var i = 0; i < _cols.Length; i++) InlineText(s, _letters[i], 1, XlsxStyles.Header, _cols[i].Name);
        s.Text("</row>");
        _sheetRow = 1;
    }

    void WriteDataRow(RowBuffer row)
    {
        if (_sheetRow - 1 >= _o.RowsPerSheet)
        {
            CloseDataSheet();
            _sink!.Flush();
            _sink.Release();
            _entry!.Dispose();
            OpenDataSheet();
        }
        var s = _sink!;
        var r = ++_sheetRow;
        var band = _o.AlternateRows && r % 2 == 1 ? XlsxStyles.Band : 0;
        s.Text("<row r=\""); Xml.Int(s, r); s.Text("\">");
        for (var i = 0; i < _cols.Length; i++)
        {
            var c = _cols[i];
            if (row.Nulls[c.Slot]) continue;
            switch (c.Type)
            {
                case ColumnType.Time:
                    _subSecond |= row.Times[c.Slot].Ticks % TimeSpan.TicksPerSecond != 0;
                    NumberCell(s, i, r, XlsxStyles.Date + band);
                    Xml.ExcelDate(s, row.Times[c.Slot], _schema.Zone, _utc);
                    s.Text("</v></c>");
                    break;
                case ColumnType.Double:
                    var d = row.Doubles[c.Slot];
                    if (!double.IsFinite(d)) continue; // Excel has no NaN or infinity: the cell stays empty
                    if (!ExcelOptions.FitsExcel(d))
                    {
                        _asText++;
                        InlineText(s, _letters[i], r, XlsxStyles.QuotedText + band, Xml.RoundTrip(d));
                        break;
                    }
                    NumberCell(s, i, r, XlsxStyles.Number + band);
                    Xml.Double(s, d);
                    s.Text("</v></c>");
                    break;
                case ColumnType.Long:
                    NumberCell(s, i, r, XlsxStyles.Integer + band);
                    Xml.Int(s, row.Longs[c.Slot]);
                    s.Text("</v></c>");
                    break;
                default:
                    var text = row.Strings[c.Slot];
                    if (text is null) continue;
                    // Inline strings are never formulas; quotePrefix also keeps them literal when a user edits the cell.
                    var guard = text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r';
                    InlineText(s, _letters[i], r, (guard ? XlsxStyles.QuotedText : XlsxStyles.Text) + band, text);
                    break;
            }
        }
        s.Text("</row>");
        _dataSheets[^1] = (_dataSheets[^1].Name, r - 1);
    }

    void NumberCell(Utf8Sink s, int col, int row, int style)
    {
        s.Text("<c r=\""); s.Text(_letters[col]); Xml.Int(s, row); s.Text("\" s=\""); Xml.Int(s, style); s.Text("\"><v>");
    }

    void InlineText(Utf8Sink s, string col, int row, int style, string text)
    {
        text = ExcelOptions.FitCell(text, out var cut);
        if (cut) _truncated++;
        s.Text("<c r=\""); s.Text(col); Xml.Int(s, row); s.Text("\" s=\""); Xml.Int(s, style); s.Text("\" t=\"inlineStr\"><is><t");
        if (text.Length > 0 && (char.IsWhiteSpace(text[0]) || char.IsWhiteSpace(text[^1]))) s.Text(" xml:space=\"preserve\"");
        s.Byte((byte)'>');
        Xml.Text(s, text);
        s.Text("</t></is></c>");
    }

    string LastCell(int rows) => $"{_letters[^1]}{rows + 1}";

    void CloseDataSheet()
    {
        var s = _sink!;
        var rows = _sheetRow - 1;
        s.Text("</sheetData>");
        if (_o.AutoFilter && _cols.Length > 0) s.Text($"<autoFilter ref=\"A1:{LastCell(rows)}\"/>");
        if (rows > 0)
        {
            var priority = 1;
            foreach (var i in _numeric)
            {
                var range = $"{_letters[i]}2:{_letters[i]}{rows + 1}";
                if (_o.ConditionalFormatting == "colorScale")
                    s.Text($"<conditionalFormatting sqref=\"{range}\"><cfRule type=\"colorScale\" priority=\"{priority++}\"><colorScale><cfvo type=\"min\"/><cfvo type=\"percentile\" val=\"50\"/><cfvo type=\"max\"/><color rgb=\"FF63BE7B\"/><color rgb=\"FFFFEB84\"/><color rgb=\"FFF8696B\"/></colorScale></cfRule></conditionalFormatting>");
                else if (_o.ConditionalFormatting == "threshold")
                    s.Text($"<conditionalFormatting sqref=\"{range}\"><cfRule type=\"cellIs\" dxfId=\"0\" priority=\"{priority++}\" operator=\"greaterThan\"><formula>{_o.Threshold!.Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}</formula></cfRule></conditionalFormatting>");
            }
            var lists = Enumerable.Range(0, _cols.Length).Where(i => _sets[i] is { Open: false, Values.Count: > 0 }).ToList();
            if (lists.Count > 0)
            {
                s.Text($"<dataValidations count=\"{lists.Count}\">");
                foreach (var i in lists)
                    s.Text($"<dataValidation type=\"list\" allowBlank=\"1\" showErrorMessage=\"1\" sqref=\"{_letters[i]}2:{_letters[i]}{rows + 1}\"><formula1>\"{Xml.Escape(string.Join(",", _sets[i]!.Values))}\"</formula1></dataValidation>");
                s.Text("</dataValidations>");
            }
        }
        s.Text("<pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" header=\"0.3\" footer=\"0.3\"/></worksheet>");
    }

    async ValueTask FinishEntryAsync(CancellationToken ct)
    {
        await _sink!.FlushAsync(ct);
        _sink.Release();
        _sink = null;
        await _entry!.DisposeAsync();
        _entry = null;
        await _pending.DrainAsync(_out, ct);
    }

    // ---- the rest of the workbook -----------------------------------------------------------------------------

    public async ValueTask EndAsync(CancellationToken ct)
    {
        if (_sheets.Count == 0) StartFirstSheet();
        CloseDataSheet();
        await FinishEntryAsync(ct);
        // Times with fractions of a second get a date format that shows them, unless the request chose one.
        var o = _subSecond && !_o.DateFormatGiven ? _o with { DateFormat = ExcelOptions.SubSecondDateFormat } : _o;
        var extra = new XlsxSheets(_schema, o, _cols, _letters, _dataSheets, _numeric, _stats, _perMetric, _pivot, _rows, _truncated, _asText);
        foreach (var (name, kind, write) in extra.Sheets())
        {
            var part = $"xl/worksheets/sheet{_sheets.Count + 1}.xml";
            _sheets.Add((name, kind, part));
            await AddAsync(part, write, ct);
        }
        foreach (var (path, xml) in extra.Parts(_sheets)) await AddAsync(path, xml, ct);
        await AddAsync("xl/styles.xml", XlsxStyles.Xml(o), ct);
        _zip.Dispose();
        await _pending.DrainAsync(_out, ct);
    }

    async ValueTask AddAsync(string path, string xml, CancellationToken ct) =>
        await AddAsync(path, (s, _) => { s.Text(xml); return ValueTask.CompletedTask; }, ct);

    async ValueTask AddAsync(string path, Func<Utf8Sink, Func<ValueTask>, ValueTask> write, CancellationToken ct)
    {
        var entry = _zip.CreateEntry(path, CompressionLevel.Fastest);
        await using (var stream = entry.Open())
        {
            var sink = new Utf8Sink(stream);
            await write(sink, () => _pending.Pending >= 1 << 18 ? _pending.DrainAsync(_out, ct) : ValueTask.CompletedTask);
            sink.Flush();
            sink.Release();
        }
        await _pending.DrainAsync(_out, ct);
    }

    public async ValueTask DisposeAsync()
    {
        _sink?.Release();
        _sink = null;
        if (_entry is not null) { try { await _entry.DisposeAsync(); } catch (Exception) { } }
        _pending.Dispose();
    }

    internal static string Json(object? v) => JsonSerializer.Serialize(v, JsonSerializerOptions.Web);
}
