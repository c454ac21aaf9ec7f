namespace Exports.Formats.Tables;

/// <summary>
/// A table as Markdown (GitHub pipe table) or as an HTML page. Every value HTML prints is escaped; Markdown
/// backslash-escapes what would start inline syntax (pipes, backslashes, code spans, emphasis, links, strikethrough),
/// writes &lt; &gt; &amp; as entities and line breaks as &lt;br&gt;, so a value shows as its text and never breaks the table.
/// </summary>
public sealed class TableRowWriter(ExportSchema schema, Stream output, TableOptions o, bool html) : IRowWriter
{
    readonly Utf8Sink _sink = new(output);
    readonly OutputColumn[] _cols = schema.Columns.ToArray();
    long _rows;

    public ValueTask BeginAsync(CancellationToken ct)
    {
        if (html)
        {
            var title = o.Title ?? (schema.Metadata.TryGetValue("source", out var s) && s is string src ? $"{src} export" : "Export");
            _sink.Text("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
            Html(title);
            _sink.Text("</title>\n<style>body{font:14px system-ui,sans-serif;margin:24px;color:#1b1f24}table{border-collapse:collapse}"
                + "th,td{border:1px solid #d0d7de;padding:4px 8px}th{background:#1f4e79;color:#fff;text-align:left}"
                + "tbody tr:nth-child(even){background:#f2f5f9}td.n{text-align:right;font-variant-numeric:tabular-nums}</style>\n</head>\n<body>\n<h1>");
            Html(title);
            _sink.Text("</h1>\n<table>\n<thead><tr>");
            foreach (var c in _cols) { _sink.Text("<th>"); Html(c.Name); _sink.Text("</th>"); }
            _sink.Text("</tr></thead>\n<tbody>\n");
        }
        else
        {
            _sink.Byte((byte)'|');
            foreach (var c in _cols) { _sink.Byte((byte)' '); Markdown(c.Name); _sink.Text(" |"); }
            _sink.Text("\n|");
            foreach (var c in _cols) _sink.Text(c.Type is ColumnType.Double or ColumnType.Long ? " ---: |" : " --- |");
            _sink.Byte((byte)'\n');
        }
        return ValueTask.CompletedTask;
    }

    public void Write(RowBuffer row)
    {
        if (++_rows > TableOptions.MaxRows)
            throw new ExportDataException("format", $"{(html ? "HTML" : "Markdown")} tables stop at {TableOptions.MaxRows:N0} rows; use CSV, JSONL or Parquet for this export.");
        _sink.Text(html ? "<tr>" : "|");
        foreach (var c in _cols)
        {
            if (html) _sink.Text(c.Type is ColumnType.Double or ColumnType.Long ? "<td class=\"n\">" : "<td>");
            else _sink.Byte((byte)' ');
            if (!row.Nulls[c.Slot])
                switch (c.Type)
                {
                    case ColumnType.Time: o.Values.WriteTime(_sink, row.Times[c.Slot], schema.Zone); break;
                    case ColumnType.Double: o.Values.WriteDouble(_sink, row.Doubles[c.Slot]); break;
                    case ColumnType.Long: o.Values.WriteLong(_sink, row.Longs[c.Slot]); break;
                    default:
                        if (row.Strings[c.Slot] is { } s) { if (html) Html(s); else Markdown(s); }
                        break;
                }
            _sink.Text(html ? "</td>" : " |");
        }
        _sink.Text(html ? "</tr>\n" : "\n");
    }

    void Html(ReadOnlySpan<char> s)
    {
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var rep = s[i] switch { '&' => "&amp;", '<' => "&lt;", '>' => "&gt;", '"' => "&quot;", '\'' => "&#39;", _ => null };
            if (rep is null) continue;
            _sink.Text(s[start..i]);
            _sink.Text(rep);
            start = i + 1;
        }
        _sink.Text(s[start..]);
    }

    void Markdown(ReadOnlySpan<char> s)
    {
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var rep = s[i] switch
            {
                '|' => "\\|", '\\' => "\\\\", '`' => "\\`", '*' => "\\*", '_' => "\\_", '[' => "\\[", ']' => "\\]", '~' => "\\~",
                '\n' => "<br>", '\r' => "", '\t' => " ", '<' => "&lt;", '>' => "&gt;", '&' => "&amp;", _ => null,
            };
            if (rep is null) continue;
            _sink.Text(s[start..i]);
            _sink.Text(rep);
            start = i + 1;
        }
        _sink.Text(s[start..]);
    }

    public ValueTask FlushIfFullAsync(CancellationToken ct) => _sink.FlushIfFullAsync(ct);

    public async ValueTask EndAsync(CancellationToken ct)
    {
        if (html) _sink.Text("</tbody>\n</table>\n</body>\n</html>\n");
        await _sink.FlushAsync(ct);
        _sink.Release();
    }
}
