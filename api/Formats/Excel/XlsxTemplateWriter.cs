using System.IO.Compression;

namespace Exports.Formats.Excel;

/// <summary>Rows into a user's template workbook (see <see cref="XlsxTemplate"/>), streamed like the plain
/// workbook: the ZIP is drained to the output as it grows.</summary>
public sealed class XlsxTemplateWriter(ExportSchema schema, Stream output, ExcelOptions o) : IRowWriter, IAsyncDisposable
{
    readonly OutputColumn[] _cols = schema.Columns.ToArray();
    readonly string[] _letters = schema.Columns.Select((_, i) => Xml.Column(i)).ToArray();
    readonly PendingBytes _pending = new();
    ZipArchive? _zip;
    Stream? _entry;
    Utf8Sink? _sink;
    XlsxTemplate.Prepared? _t;
    int _row;

    string _rowOpen = "<row r=\"", _rowClose = "</row>", _cOpen = "<c r=\"", _vOpen = "\"><v>", _vClose = "</v></c>", _empty = "\"/>",
        _isOpen = "\" t=\"inlineStr\"><is><t xml:space=\"preserve\">", _isClose = "</t></is></c>";

    public async ValueTask BeginAsync(CancellationToken ct)
    {
        using var template = new ZipArchive(new MemoryStream(o.Template!), ZipArchiveMode.Read);
        var path = XlsxTemplate.SheetPath(template, o.TemplateSheet!)!;
        _zip = new ZipArchive(_pending, ZipArchiveMode.Create, leaveOpen: true);
        _t = XlsxTemplate.CopyAndSplit(template, _zip, path, o, _cols.Length);
        await _pending.DrainAsync(output, ct);
        _entry = _zip.CreateEntry(path, CompressionLevel.Fastest).Open();
        _sink = new Utf8Sink(_entry);
        var p = _t.Ns;
        (_rowOpen, _rowClose, _cOpen, _vOpen, _vClose, _isOpen, _isClose) = ($"<{p}row r=\"", $"</{p}row>", $"<{p}c r=\"", $"\"><{p}v>", $"</{p}v></{p}c>",
            $"\" t=\"inlineStr\"><{p}is><{p}t xml:space=\"preserve\">", $"</{p}t></{p}is></{p}c>");
        _sink.Text(_t.Prefix);
        _sink.Text(_t.ExistingRows);
        _row = _t.LastRow;
        if (_t.NeedsHeader)
        {
            _row++;
            var x = _t.Ns;
            _sink.Text($"<{x}row r=\"{_row}\">");
            for (var i = 0; i < _cols.Length; i++)
                _sink.Text($"<{x}c r=\"{_letters[i]}{_row}\" t=\"inlineStr\"><{x}is><{x}t>{Xml.Escape(_cols[i].Name)}</{x}t></{x}is></{x}c>");
            _sink.Text($"</{x}row>");
        }
    }

    public void Write(RowBuffer row)
    {
        var s = _sink!;
        var r = ++_row;
        if (r > ExcelOptions.SheetRowLimit)
            throw new ExportDataException("formatOptions.template", $"The template sheet is full: Excel holds {ExcelOptions.SheetRowLimit:N0} rows per sheet. Export without a template to continue on more sheets.");
        s.Text(_rowOpen); Xml.Int(s, r); s.Text("\">");
        for (var i = 0; i < _cols.Length; i++)
        {
            var c = _cols[i];
            if (row.Nulls[c.Slot]) continue;
            var style = _t!.ColumnStyles[i] ?? (c.Type == ColumnType.Time ? _t.DateStyle : 0);
            s.Text(_cOpen); s.Text(_letters[i]); Xml.Int(s, r); s.Text("\" s=\""); Xml.Int(s, style);
            switch (c.Type)
            {
                case ColumnType.Time:
                    s.Text(_vOpen); Xml.ExcelDate(s, row.Times[c.Slot], schema.Zone); s.Text(_vClose);
                    break;
                case ColumnType.Double:
                    if (!double.IsFinite(row.Doubles[c.Slot])) { s.Text(_empty); break; }
                    // Beyond Excel's number range: the exact digits as text, never another number.
                    if (!ExcelOptions.FitsExcel(row.Doubles[c.Slot])) { s.Text(_isOpen); s.Text(Xml.RoundTrip(row.Doubles[c.Slot])); s.Text(_isClose); break; }
                    s.Text(_vOpen); Xml.Double(s, row.Doubles[c.Slot]); s.Text(_vClose);
                    break;
                case ColumnType.Long:
                    s.Text(_vOpen); Xml.Int(s, row.Longs[c.Slot]); s.Text(_vClose);
                    break;
                default:
                    var text = ExcelOptions.FitCell(row.Strings[c.Slot] ?? "", out _);
                    s.Text(_isOpen); Xml.Text(s, text); s.Text(_isClose);
                    break;
            }
        }
        s.Text(_rowClose);
    }

    public async ValueTask FlushIfFullAsync(CancellationToken ct)
    {
        if (_sink is { Full: true }) await _sink.FlushAsync(ct);
        if (_pending.Pending >= 1 << 18) await _pending.DrainAsync(output, ct);
    }

    public async ValueTask EndAsync(CancellationToken ct)
    {
        _sink!.Text(_t!.Suffix);
        await _sink.FlushAsync(ct);
        _sink.Release();
        _sink = null;
        await _entry!.DisposeAsync();
        _entry = null;
        _zip!.Dispose();
        await _pending.DrainAsync(output, ct);
    }

    public ValueTask DisposeAsync()
    {
        _sink?.Release();
        _pending.Dispose();
        return ValueTask.CompletedTask;
    }
}
