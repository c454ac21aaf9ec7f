using System.Text;

namespace Exports.Formats.Tables;

/// <summary>
/// A plain-text table for terminals and e-mail bodies: a header, a rule of dashes, then a line per row; columns are two
/// spaces apart, numbers right-aligned and everything else left-aligned, padded by display width
/// (<see cref="DisplayWidth"/>: wide characters take two cells, combining marks none). A null is an empty cell; no line
/// ends in padding. Values are never cut. Control characters (C0, DEL, C1, so also tab, newline and carriage return),
/// the line and paragraph separators and the bidirectional controls are written as visible escapes (<c>\n</c>,
/// <c>\t</c>, <c>\r</c>, <c>\x07</c>, <c>\u202E</c>), and a backslash as <c>\\</c>, so every row is one line, stays in
/// its columns, and reads back unambiguously.
/// <para>
/// Widths come from a look-ahead of <see cref="Window"/> rows: the rows are held (as their formatted bytes, in one
/// reused buffer), the widest value of each column sets its width, then the header, the rule and those rows are
/// written. Later rows that fit are written at once. A row with a value wider than its column starts a new block:
/// it and the next rows are held the same way, the columns widen to fit them (widths never shrink), and the block
/// opens with the header and rule again at the new widths. Rows already written are not rewritten (that would need
/// every row kept, or a second pass over a file the writer does not own), so every line lines up with the rule
/// above it, memory stays bounded by one window, and the file streams.
/// </para>
/// </summary>
public sealed class TextTableWriter : IRowWriter
{
    /// <summary>How many rows size the columns before any is written (and size them again after a widening).</summary>
    public const int Window = 200;
    const int Gap = 2;

    readonly ExportSchema _schema;
    readonly TableOptions _o;
    readonly Utf8Sink _out;
    readonly OutputColumn[] _cols;
    readonly bool[] _right;
    readonly int[] _widths;
    // The header's cells, formatted once.
    readonly Utf8Sink _head = new(Stream.Null, 1024);
    readonly int[] _headStart, _headLen, _headWidth;
    // The held rows' cells: bytes in one buffer, and per cell its start, length and display width.
    readonly Utf8Sink _cells = new(Stream.Null, 16 * 1024);
    readonly int[] _start, _len, _width;
    byte[] _scratch = new byte[64];
    int _held;
    bool _holding = true;
    long _rows;

    public TextTableWriter(ExportSchema schema, Stream output, TableOptions options)
    {
        _schema = schema;
        _o = options;
        _out = new Utf8Sink(output);
        _cols = schema.Columns.ToArray();
        _right = _cols.Select(c => c.Type is ColumnType.Double or ColumnType.Long).ToArray();
        _widths = new int[_cols.Length];
        _headStart = new int[_cols.Length]; _headLen = new int[_cols.Length]; _headWidth = new int[_cols.Length];
        _start = new int[Window * _cols.Length]; _len = new int[Window * _cols.Length]; _width = new int[Window * _cols.Length];
    }

    public ValueTask BeginAsync(CancellationToken ct)
    {
        for (var i = 0; i < _cols.Length; i++)
        {
            _headStart[i] = _head.Length;
            _headWidth[i] = Escape(_head, _cols[i].Name);
            _headLen[i] = _head.Length - _headStart[i];
            _widths[i] = Math.Max(1, _headWidth[i]);
        }
        return ValueTask.CompletedTask;
    }

    public void Write(RowBuffer row)
    {
        if (++_rows > TableOptions.MaxRows)
            throw new ExportDataException("format", $"Plain-text tables stop at {TableOptions.MaxRows:N0} rows; use CSV, JSONL or Parquet for this export.");
        var b = _held++ * _cols.Length;
        var fits = true;
        for (var i = 0; i < _cols.Length; i++)
        {
            var start = _cells.Length;
            var width = Cell(row, _cols[i]);
            _start[b + i] = start;
            _len[b + i] = _cells.Length - start;
            _width[b + i] = width;
            fits &= width <= _widths[i];
        }
        if (!_holding)
        {
            if (fits)
            {
                Line(_cells, _start, _len, _width, b);
                _held = 0;
                _cells.Truncate(0);
                return;
            }
            _holding = true; // wider than its column: this row opens a new block
        }
        if (_held == Window) WriteBlock();
    }

    /// <summary>Widens the columns to the held rows, then writes the header, the rule and the held rows.</summary>
    void WriteBlock()
    {
        for (var r = 0; r < _held; r++)
            for (var i = 0; i < _cols.Length; i++)
                _widths[i] = Math.Max(_widths[i], _width[r * _cols.Length + i]);
        Line(_head, _headStart, _headLen, _headWidth, 0);
        for (var i = 0; i < _cols.Length; i++)
        {
            if (i > 0) Spaces(Gap);
            _out.Reserve(_widths[i])[.._widths[i]].Fill((byte)'-');
            _out.Advance(_widths[i]);
        }
        _out.Byte((byte)'\n');
        for (var r = 0; r < _held; r++) Line(_cells, _start, _len, _width, r * _cols.Length);
        _held = 0;
        _cells.Truncate(0);
        _holding = false;
    }

    /// <summary>One line of cells from <paramref name="src"/>: padding is written only before something visible, so
    /// no line ends in spaces.</summary>
    void Line(Utf8Sink src, int[] start, int[] len, int[] width, int b)
    {
        var pending = 0;
        for (var i = 0; i < _cols.Length; i++)
        {
            if (i > 0) pending += Gap;
            var pad = _widths[i] - width[b + i];
            if (_right[i]) pending += pad;
            if (len[b + i] > 0)
            {
                Spaces(pending);
                pending = 0;
                _out.Bytes(src.Written.Slice(start[b + i], len[b + i]));
            }
            if (!_right[i]) pending += pad;
        }
        _out.Byte((byte)'\n');
    }

    void Spaces(int n)
    {
        if (n <= 0) return;
        _out.Reserve(n)[..n].Fill((byte)' ');
        _out.Advance(n);
    }

    /// <summary>Writes the cell's text, escaped, into the held cells and returns its display width.</summary>
    int Cell(RowBuffer row, OutputColumn c)
    {
        if (row.Nulls[c.Slot]) return 0;
        var start = _cells.Length;
        switch (c.Type)
        {
            case ColumnType.String: return row.Strings[c.Slot] is { } s ? Escape(_cells, s) : 0;
            case ColumnType.Time: _o.Values.WriteTime(_cells, row.Times[c.Slot], _schema.Zone); break;
            case ColumnType.Double: _o.Values.WriteDouble(_cells, row.Doubles[c.Slot]); break;
            case ColumnType.Long: _o.Values.WriteLong(_cells, row.Longs[c.Slot]); break;
        }
        return Measure(start);
    }

    /// <summary>The width of a formatted number or time written from <paramref name="start"/>. These are printable
    /// ASCII but for what a custom date pattern or separator adds; anything else is rewritten through the escaper.</summary>
    int Measure(int start)
    {
        var written = _cells.Written[start..];
        var plain = true;
        foreach (var b in written) plain &= b is >= 0x20 and < 0x7F and not (byte)'\\';
        if (plain) return written.Length;
        if (_scratch.Length < written.Length) _scratch = new byte[Math.Max(written.Length, _scratch.Length * 2)];
        var bytes = _scratch.AsSpan(0, written.Length);
        written.CopyTo(bytes);
        _cells.Truncate(start);
        var width = 0;
        while (!bytes.IsEmpty)
        {
            Rune.DecodeFromUtf8(bytes, out var r, out var used);
            width += Append(_cells, r);
            bytes = bytes[used..];
        }
        return width;
    }

    static bool Plain(char c) => c is >= ' ' and < '\x7F' and not '\\';

    /// <summary>Writes <paramref name="s"/> as UTF-8 with every control character escaped; returns its display width.</summary>
    static int Escape(Utf8Sink sink, ReadOnlySpan<char> s)
    {
        var width = 0;
        var i = 0;
        while (i < s.Length)
        {
            var run = i;
            while (run < s.Length && Plain(s[run])) run++;
            if (run > i)
            {
                sink.Text(s[i..run]);
                width += run - i;
                i = run;
                continue;
            }
            if (Rune.DecodeFromUtf16(s[i..], out var r, out var used) != System.Buffers.OperationStatus.Done)
            {
                width += Hex(sink, 'u', s[i], 4); // an unpaired surrogate: shown, not replaced
                i++;
                continue;
            }
            width += Append(sink, r);
            i += used;
        }
        return width;
    }

    static int Append(Utf8Sink sink, Rune r)
    {
        var v = r.Value;
        var named = v switch { '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", '\\' => "\\\\", _ => null };
        if (named is not null) { sink.Text(named); return named.Length; }
        if (v is < 0x20 or >= 0x7F and <= 0x9F) return Hex(sink, 'x', v, 2);
        // Line and paragraph separators break lines in some viewers; bidirectional controls reorder what follows.
        if (v is 0x2028 or 0x2029 or 0x061C or 0x200E or 0x200F or >= 0x202A and <= 0x202E or >= 0x2066 and <= 0x2069)
            return Hex(sink, 'u', v, 4);
        sink.Advance(r.EncodeToUtf8(sink.Reserve(4)));
        return DisplayWidth.Of(v);
    }

    static int Hex(Utf8Sink sink, char letter, int value, int digits)
    {
        sink.Byte((byte)'\\');
        sink.Byte((byte)letter);
        value.TryFormat(sink.Reserve(digits), out var n, digits == 2 ? "X2" : "X4");
        sink.Advance(n);
        return 2 + n;
    }

    public ValueTask FlushIfFullAsync(CancellationToken ct) => _out.FlushIfFullAsync(ct);

    public async ValueTask EndAsync(CancellationToken ct)
    {
        if (_holding) WriteBlock();
        await _out.FlushAsync(ct);
        _out.Release();
        _cells.Release();
        _head.Release();
    }
}
