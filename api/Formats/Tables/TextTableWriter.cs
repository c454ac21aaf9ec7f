using System.Text;

namespace Exports.Formats.Tables;

/// <summary>
/// A plain-text table for terminals and e-mail bodies: a header, a rule of dashes, then a line per row; columns are two
/// spaces apart, numbers right-aligned and everything else left-aligned, padded by display width
/// (<see cref="DisplayWidth"/>: wide characters and emoji pictures take two cells, combining marks none). Values are
/// never cut. Control characters (C0, DEL, C1, so also tab, newline and carriage return), the line and paragraph
/// separators and the bidirectional controls are written as visible escapes (<c>\n</c>, <c>\t</c>, <c>\r</c>,
/// <c>\x07</c>, <c>\u202E</c>), and a backslash as <c>\\</c>, so every row is one line and stays in its columns. A
/// space at either edge of a value is written <c>\x20</c> (padding is never part of a value), and a value made only of
/// dashes and spaces has its first dash written <c>\x2D</c> (no row reads as a rule), so no line ends in a space and
/// every value reads back as it was, but for one thing: a null and an empty text are both an empty cell.
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
    char[] _chars = new char[64];
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

    /// <summary>Writes the cell's text, escaped, into the held cells and returns its display width. A column of a
    /// kind this writer does not know is written as its text, as Markdown writes it.</summary>
    int Cell(RowBuffer row, OutputColumn c)
    {
        if (row.Nulls[c.Slot]) return 0;
        var start = _cells.Length;
        switch (c.Type)
        {
            case ColumnType.Time: _o.Values.WriteTime(_cells, row.Times[c.Slot], _schema.Zone); break;
            case ColumnType.Double: _o.Values.WriteDouble(_cells, row.Doubles[c.Slot]); break;
            case ColumnType.Long: _o.Values.WriteLong(_cells, row.Longs[c.Slot]); break;
            default: return row.Strings[c.Slot] is { } s ? Escape(_cells, s) : 0;
        }
        return Measure(start);
    }

    /// <summary>The width of a formatted number or time written from <paramref name="start"/>. These are printable
    /// ASCII that needs no escape but for what a custom date pattern or separator adds; anything else is rewritten
    /// through the escaper.</summary>
    int Measure(int start)
    {
        var written = _cells.Written[start..];
        var plain = !written.IsEmpty && written[0] != ' ' && written[^1] != ' ' && written.ContainsAnyExcept((byte)'-', (byte)' ');
        foreach (var b in written) plain &= b is >= 0x20 and < 0x7F and not (byte)'\\';
        if (plain) return written.Length;
        var most = Encoding.UTF8.GetMaxCharCount(written.Length);
        if (_chars.Length < most) _chars = new char[Math.Max(most, _chars.Length * 2)];
        var chars = _chars.AsSpan(0, Encoding.UTF8.GetChars(written, _chars));
        _cells.Truncate(start);
        return Escape(_cells, chars);
    }

    /// <summary>Writes <paramref name="s"/> as UTF-8 with every control character, edge space and rule-like first dash
    /// escaped; returns its display width.</summary>
    static int Escape(Utf8Sink sink, ReadOnlySpan<char> s)
    {
        if (s.IsEmpty) return 0;
        var width = 0;
        var i = 0;
        var end = s.Length;
        // A leading space would read as the padding before it, a trailing one as the padding after it; a value of
        // dashes (and spaces) as a rule.
        if (s[0] == ' ' || s[0] == '-' && !s.ContainsAnyExcept('-', ' '))
        {
            width += Hex(sink, 'x', s[0], 2);
            i = 1;
        }
        var trailing = end > i && s[end - 1] == ' ';
        if (trailing) end--;
        while (i < end)
        {
            // A run written as it is, measured as a whole (emoji sequences are one picture), then one escape.
            var run = i;
            while (run < end)
            {
                var c = s[run];
                if (char.IsHighSurrogate(c) && run + 1 < end && char.IsLowSurrogate(s[run + 1])) run += 2;
                else if (Escaped(c)) break;
                else run++;
            }
            if (run > i)
            {
                sink.Text(s[i..run]);
                width += DisplayWidth.Of(s[i..run]);
                i = run;
            }
            if (i < end) width += EscapeOne(sink, s[i++]);
        }
        if (trailing) width += Hex(sink, 'x', ' ', 2);
        return width;
    }

    /// <summary>Characters written as escapes: control characters, the backslash, line and paragraph separators,
    /// bidirectional controls (they reorder what follows) and unpaired surrogates.</summary>
    static bool Escaped(char c) => c is < ' ' or >= '\x7F' and <= '\x9F' or '\\' or '\u2028' or '\u2029' or '\u061C' or '\u200E' or '\u200F'
        or >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069' || char.IsSurrogate(c);

    static int EscapeOne(Utf8Sink sink, char c)
    {
        var named = c switch { '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", '\\' => "\\\\", _ => null };
        if (named is not null) { sink.Text(named); return named.Length; }
        return c is < ' ' or >= '\x7F' and <= '\x9F' ? Hex(sink, 'x', c, 2) : Hex(sink, 'u', c, 4);
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
