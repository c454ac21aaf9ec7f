using System.Text;
using System.Text.Json;
using Exports.Rendering;

namespace Exports.Formats.Pdf;

/// <summary>
/// A data export as a printable report: a title block with the request (source, range, time zone, tier), then the
/// table across as many pages as it takes, the header row repeated on each, page numbers in the footer. Drawn by the
/// same Cairo renderer as dashboards, page by page as rows arrive, and drained to the output as it grows.
/// </summary>
public sealed class PdfReportWriter(ExportSchema schema, Stream output, PdfReportOptions o) : IRowWriter, IAsyncDisposable
{
    const double Margin = 36, FontSize = 7.5, RowH = 12, SampleRows = 100;
    readonly OutputColumn[] _cols = schema.Columns.ToArray();
    readonly List<string[]> _head = [];
    readonly MemoryStream _scratch = new();
    Utf8Sink? _cell;
    IPagedDocument? _doc;
    double[] _widths = [];
    double _y, _bottom, _width;
    int _page;
    long _rows;
    readonly Theme _t = Theme.Light;

    public ValueTask BeginAsync(CancellationToken ct) => ValueTask.CompletedTask;

    string[] Cells(RowBuffer row)
    {
        var cells = new string[_cols.Length];
        for (var i = 0; i < _cols.Length; i++)
        {
            var c = _cols[i];
            if (row.Nulls[c.Slot]) { cells[i] = ""; continue; }
            if (c.Type == ColumnType.String) { cells[i] = row.Strings[c.Slot] ?? ""; continue; }
            _cell ??= new Utf8Sink(_scratch, 1 << 10);
            _scratch.SetLength(0);
            switch (c.Type)
            {
                case ColumnType.Time: o.Values.WriteTime(_cell, row.Times[c.Slot], schema.Zone); break;
                case ColumnType.Long: o.Values.WriteLong(_cell, row.Longs[c.Slot]); break;
                default: o.Values.WriteDouble(_cell, row.Doubles[c.Slot]); break;
            }
            _cell.Flush();
            cells[i] = Encoding.UTF8.GetString(_scratch.GetBuffer(), 0, (int)_scratch.Length);
        }
        return cells;
    }

    public void Write(RowBuffer row)
    {
        if (++_rows > PdfReportOptions.MaxRows)
            throw new ExportDataException("format", $"PDF reports stop at {PdfReportOptions.MaxRows:N0} rows; use CSV, Excel or Parquet for this export.");
        var cells = Cells(row);
        if (_doc is null)
        {
            _head.Add(cells);
            if (_head.Count >= SampleRows) Start();
            return;
        }
        Row(cells);
    }

    void Start()
    {
        var (w, h) = o.Size();
        string M(string k) => schema.Metadata.TryGetValue(k, out var v) && v is not null ? v is DateTimeOffset d ? TimeZoneInfo.ConvertTime(d, schema.Zone).ToString("yyyy-MM-dd HH:mm") : v.ToString()! : "";
        var title = o.Title ?? (M("source") is { Length: > 0 } s ? $"{s} export" : "Export");
        _doc = RenderBackend.Current.OpenPdf(w, h, new DocumentInfo(title, "Exports", $"{M("source")} {M("from")} – {M("to")}", schema.ExportedAt));
        _width = w - 2 * Margin;
        _bottom = h - Margin - 16;
        var c = _doc.Canvas;
        var measure = new TextStyle(FontSize, _t.Text);
        _widths = _cols.Select((col, i) => Math.Max(c.Measure(col.Name, measure with { Bold = true }).Width,
            _head.Count == 0 ? 0 : _head.Max(r => c.Measure(r[i], measure).Width)) + 8).ToArray();
        var total = _widths.Sum();
        for (var i = 0; i < _widths.Length; i++) _widths[i] *= _width / total;
        c.Text(Margin, Margin, title, new TextStyle(16, _t.Text, Bold: true, Width: _width));
        var lines = new StringBuilder();
        lines.Append($"Source {M("source")} · {M("from")} – {M("to")} ({schema.Zone.Id}) · tier {M("tier")}, granularity {M("granularity")}\n");
        if (schema.Metadata.TryGetValue("approximate", out var approx) && approx is IReadOnlyList<string> { Count: > 0 })
            lines.Append("Approximate: ").Append(M("approximation")).Append('\n');
        if (schema.Metadata.TryGetValue("request", out var req) && req is not null)
            lines.Append("Request ").Append(JsonSerializer.Serialize(req, JsonSerializerOptions.Web));
        var (_, bh) = c.Text(Margin, Margin + 24, lines.ToString(), new TextStyle(8, _t.Muted, Width: _width, MaxLines: 6));
        _y = Margin + 30 + bh;
        _page = 1;
        Header();
        foreach (var r in _head) Row(r);
        _head.Clear();
    }

    void Header()
    {
        var c = _doc!.Canvas;
        c.FillRect(new RectF(Margin, _y, _width, RowH + 2), Rgba.Hex("#1f4e79"));
        var x = Margin;
        for (var i = 0; i < _cols.Length; i++)
        {
            c.Text(x + 3, _y + 1.5, _cols[i].Name, new TextStyle(FontSize, Rgba.Hex("#ffffff"), Bold: true, Width: _widths[i] - 6,
                Align: _cols[i].Type is ColumnType.Double or ColumnType.Long ? TextAlign.Right : TextAlign.Left));
            x += _widths[i];
        }
        _y += RowH + 2;
    }

    void Footer()
    {
        var (_, h) = o.Size();
        _doc!.Canvas.Text(Margin, h - Margin - 8, $"Page {_page}", new TextStyle(7, _t.Muted, Width: _width, Align: TextAlign.Right));
    }

    void Row(string[] cells)
    {
        if (_y + RowH > _bottom)
        {
            Footer();
            _doc!.ShowPage();
            _page++;
            _y = Margin;
            Header();
        }
        var c = _doc!.Canvas;
        if ((_rows & 1) == 0) c.FillRect(new RectF(Margin, _y, _width, RowH), Rgba.Hex("#f2f5f9"));
        var x = Margin;
        for (var i = 0; i < cells.Length; i++)
        {
            c.Text(x + 3, _y + 1.5, cells[i], new TextStyle(FontSize, _t.Text, Width: _widths[i] - 6,
                Align: _cols[i].Type is ColumnType.Double or ColumnType.Long ? TextAlign.Right : TextAlign.Left));
            x += _widths[i];
        }
        _y += RowH;
    }

    public async ValueTask FlushIfFullAsync(CancellationToken ct)
    {
        if (_doc is { Pending: > 1 << 16 }) await output.WriteAsync(_doc.Take(), ct);
    }

    public async ValueTask EndAsync(CancellationToken ct)
    {
        if (_doc is null) Start();
        if (_rows == 0) _doc!.Canvas.Text(Margin, _y + 4, "No rows for this request.", new TextStyle(10, _t.Muted));
        Footer();
        _doc!.Finish();
        await output.WriteAsync(_doc.Take(), ct);
    }

    public ValueTask DisposeAsync()
    {
        _doc?.Dispose();
        _cell?.Release();
        return ValueTask.CompletedTask;
    }
}
