namespace Exports.Formats.Csv;

/// <summary>
/// CSV and TSV straight into UTF-8 bytes. Numbers and dates are formatted into the buffer without intermediate
/// strings; text is quoted only when it must be (or always, or never with backslash escapes, as asked), and text
/// that a spreadsheet would run as a formula (= + - @ tab CR first) is prefixed with an apostrophe.
/// </summary>
public sealed class CsvRowWriter(ExportSchema schema, Stream output, CsvOptions o) : IRowWriter
{
    readonly Stream _encoded = TextEncodings.Wrap(output, o.Encoding);
    Utf8Sink? _sinkField;
    Utf8Sink _sink => _sinkField ??= new Utf8Sink(_encoded);
    readonly OutputColumn[] _cols = schema.Columns.ToArray();
    readonly byte _delim = (byte)o.Delimiter;
    readonly byte[] _eol = System.Text.Encoding.ASCII.GetBytes(o.LineTerminator);
    readonly bool _quoteAll = o.Quote == "all", _quoteNone = o.Quote == "none", _backslash = o.Escape == "backslash";
    readonly bool _numbersNeedQuotes = o.Quote != "none" &&
        (o.Values.DecimalSeparator[0] == o.Delimiter || (o.Values.ThousandsSeparator.Length > 0 && o.Values.ThousandsSeparator[0] == o.Delimiter));

    public async ValueTask BeginAsync(CancellationToken ct)
    {
        await TextEncodings.WritePreambleAsync(output, o.Encoding, ct);
        if (o.Header == "off") return;
        var names = o.Header == "custom" && o.Headers is { } h ? h : _cols.Select(c => c.Name).ToList();
        for (var i = 0; i < names.Count; i++)
        {
            if (i > 0) _sink.Byte(_delim);
            WriteText(names[i]);
        }
        _sink.Bytes(_eol);
    }

    public void Write(RowBuffer row)
    {
        for (var i = 0; i < _cols.Length; i++)
        {
            if (i > 0) _sink.Byte(_delim);
            var c = _cols[i];
            if (row.Nulls[c.Slot]) continue;
            switch (c.Type)
            {
                case ColumnType.String: WriteText(row.Strings[c.Slot]!); break;
                case ColumnType.Time:
                    if (_quoteAll) _sink.Byte((byte)'"');
                    o.Values.WriteTime(_sink, row.Times[c.Slot], schema.Zone);
                    if (_quoteAll) _sink.Byte((byte)'"');
                    break;
                default:
                    var q = _quoteAll || _numbersNeedQuotes;
                    if (q) _sink.Byte((byte)'"');
                    if (c.Type == ColumnType.Long) o.Values.WriteLong(_sink, row.Longs[c.Slot]);
                    else o.Values.WriteDouble(_sink, row.Doubles[c.Slot]);
                    if (q) _sink.Byte((byte)'"');
                    break;
            }
        }
        _sink.Bytes(_eol);
    }

    void WriteText(string s)
    {
        var guard = o.FormulaGuard && s.Length > 0 && s[0] is '=' or '+' or '-' or '@' or '\t' or '\r';
        if (_quoteNone)
        {
            if (guard) _sink.Byte((byte)'\'');
            foreach (var ch in s)
            {
                if (ch == o.Delimiter || ch == '\\') { _sink.Byte((byte)'\\'); _sink.Byte((byte)ch); }
                else if (ch == '\n') { _sink.Byte((byte)'\\'); _sink.Byte((byte)'n'); }
                else if (ch == '\r') { _sink.Byte((byte)'\\'); _sink.Byte((byte)'r'); }
                else if (ch < 128) _sink.Byte((byte)ch);
                else _sink.Text([ch]);
            }
            return;
        }
        var needs = _quoteAll || guard || s.AsSpan().IndexOfAny(o.Delimiter, '"', '\n') >= 0 || s.Contains('\r')
                    || (s.Length > 0 && (s[0] == ' ' || s[^1] == ' '));
        if (!needs) { _sink.Text(s); return; }
        _sink.Byte((byte)'"');
        if (guard) _sink.Byte((byte)'\'');
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var ch = s[i];
            if (ch != '"' && !(_backslash && ch == '\\')) continue;
            _sink.Text(s.AsSpan(start, i - start));
            _sink.Byte(_backslash ? (byte)'\\' : (byte)'"');
            _sink.Byte((byte)ch);
            start = i + 1;
        }
        _sink.Text(s.AsSpan(start));
        _sink.Byte((byte)'"');
    }

    public ValueTask FlushIfFullAsync(CancellationToken ct) => _sink.FlushIfFullAsync(ct);

    public async ValueTask EndAsync(CancellationToken ct)
    {
        await _sink.FlushAsync(ct);
        _sink.Release();
        if (!ReferenceEquals(_encoded, output))
        {
            await _encoded.FlushAsync(ct);
            await _encoded.DisposeAsync();
        }
    }
}
