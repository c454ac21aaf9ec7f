using Exports.Shared;
using System.Globalization;
using System.Text;

namespace Exports.Features.Sources;

public enum CellKind : byte { String, Number, True, False, Null, Object, Array, Invalid }

/// <summary>One name/value of a row: slices of the row's character arena. <see cref="InTags"/>: a member of the
/// row's "tags" (or "dimensions") object; <see cref="CellKind.Invalid"/>: text that is not valid UTF-8 / UTF-16.</summary>
public struct Cell
{
    public int NameStart, NameLength, ValueStart, ValueLength;
    public CellKind Kind;
    public bool InTags;
}

/// <summary>
/// One ingested row as the readers hand it over, whatever the body's format: cells whose names and values live in
/// one reusable character arena. A reader fills it, the points or records ingest validates and stages it, then it
/// is reset for the next row, so reading a row allocates nothing.
/// </summary>
public sealed class IngestRow
{
    char[] _chars = new char[1024];
    int _used;
    Cell[] _cells = new Cell[16];

    public int Count { get; private set; }
    /// <summary>0-based position of the row in the batch (the N of rows[N]).</summary>
    public int Index { get; set; }
    /// <summary>Where the row starts, for messages: "line 13" (CSV record or NDJSON line); null in a JSON array.</summary>
    public long? Line { get; set; }

    public ref Cell this[int i] => ref _cells[i];
    public ReadOnlySpan<char> Name(in Cell c) => _chars.AsSpan(c.NameStart, c.NameLength);
    public ReadOnlySpan<char> Value(in Cell c) => _chars.AsSpan(c.ValueStart, c.ValueLength);
    public ReadOnlySpan<char> Chars(int start, int length) => _chars.AsSpan(start, length);

    public void Reset(int index, long? line)
    {
        Index = index; Line = line; Count = 0; _used = 0;
    }

    /// <summary>Room for <paramref name="length"/> characters; commit what was written with <see cref="Commit"/>.</summary>
    public Span<char> Reserve(int length)
    {
        if (_used + length > _chars.Length) Array.Resize(ref _chars, Math.Max(_chars.Length * 2, _used + length));
        return _chars.AsSpan(_used, length);
    }

    public int Commit(int length)
    {
        var start = _used;
        _used += length;
        return start;
    }

    public int Append(ReadOnlySpan<char> text)
    {
        text.CopyTo(Reserve(text.Length));
        return Commit(text.Length);
    }

    public void Add(int nameStart, int nameLength, CellKind kind, int valueStart, int valueLength, bool inTags)
    {
        if (Count == _cells.Length) Array.Resize(ref _cells, _cells.Length * 2);
        _cells[Count++] = new Cell { NameStart = nameStart, NameLength = nameLength, Kind = kind, ValueStart = valueStart, ValueLength = valueLength, InTags = inTags };
    }

    /// <summary>The top-level cell with this name (not a member of tags), or -1.</summary>
    public int Find(string name)
    {
        for (var i = 0; i < Count; i++)
            if (!_cells[i].InTags && Name(_cells[i]).SequenceEqual(name)) return i;
        return -1;
    }

    public string Where() => Line is { } l ? $"Row {Index + 1} (line {l})" : $"Row {Index + 1}";
    public string Path(in Cell c) => c.InTags ? $"rows[{Index}].tags.{StorableText.Display(Name(c))}" : $"rows[{Index}].{StorableText.Display(Name(c))}";
}

/// <summary>Field errors keyed by path, at most <see cref="Max"/> of them (the batch is refused at the first).</summary>
public sealed class IngestErrors
{
    public const int Max = 50;
    readonly Dictionary<string, List<string>> _errors = new();
    public int Count { get; private set; }
    public bool Any => Count > 0;
    public bool Full => Count >= Max;

    public void Add(string path, string message)
    {
        if (Count >= Max) return;
        Count++;
        if (!_errors.TryGetValue(path, out var l)) _errors[path] = l = [];
        l.Add(message);
    }

    public Dictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
}

/// <summary>Checks and conversions on ingested text, all on spans.</summary>
public static class IngestText
{
    /// <summary>The accepted timestamp window, stated in every timestamp error.</summary>
    public static readonly DateTime MinTime = DateTime.UnixEpoch;
    public static readonly DateTime MaxTime = new DateTime(9999, 12, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(9_999_999);
    public const string Window = "between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z";
    const long MaxUnixSeconds = 253_402_300_799;       // 9999-12-31T23:59:59Z
    const long MaxUnixMilliseconds = 253_402_300_799_999;

    /// <summary>Storable text (<see cref="StorableText"/>) that is also not U+FFFE, which the CSV decoder puts
    /// where it met invalid UTF-8.</summary>
    public static bool IsClean(ReadOnlySpan<char> s) => !s.Contains('\uFFFE') && StorableText.Fault(s) == TextFault.None;

    public const string NotClean = "contains a NUL character (\\u0000), an unpaired surrogate or invalid UTF-8, which cannot be stored";

    public static int Utf8Bytes(ReadOnlySpan<char> s) => Encoding.UTF8.GetByteCount(s);

    public enum TimeResult { Ok, Missing, Unreadable, OutOfRange }

    /// <summary>ISO-8601 (an offset, or UTC when none is given) or unix time: seconds, or milliseconds when the
    /// number is above 10^11, inside <see cref="Window"/>.</summary>
    public static TimeResult TryTime(CellKind kind, ReadOnlySpan<char> s, out DateTime utc)
    {
        utc = default;
        if (kind is CellKind.Null) return TimeResult.Missing;
        if (kind is not (CellKind.String or CellKind.Number)) return TimeResult.Unreadable;
        if (s.Length == 0) return TimeResult.Missing;
        if (long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var unix))
        {
            if (unix > 100_000_000_000)
            {
                if (unix > MaxUnixMilliseconds) return TimeResult.OutOfRange;
                utc = DateTime.UnixEpoch.AddTicks(unix * TimeSpan.TicksPerMillisecond);
            }
            else
            {
                if (unix < 0 || unix > MaxUnixSeconds) return TimeResult.OutOfRange;
                utc = DateTime.UnixEpoch.AddTicks(unix * TimeSpan.TicksPerSecond);
            }
            return TimeResult.Ok;
        }
        if (kind is CellKind.Number)
            return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var big) && Math.Abs(big) >= 9e18
                ? TimeResult.OutOfRange : TimeResult.Unreadable;
        if (!DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var dto))
            return LooksLikeADate(s) ? TimeResult.OutOfRange : TimeResult.Unreadable;
        utc = dto.UtcDateTime;
        return utc < MinTime ? TimeResult.OutOfRange : TimeResult.Ok;
    }

    /// <summary>A date .NET cannot hold (year 0, a negative year, year 10000 and beyond): digits and dashes up front.</summary>
    static bool LooksLikeADate(ReadOnlySpan<char> s)
    {
        var t = s.TrimStart('-').TrimStart('+');
        var digits = 0;
        while (digits < t.Length && char.IsAsciiDigit(t[digits])) digits++;
        return digits >= 4 && digits < t.Length && t[digits] == '-';
    }

    public static string TimeMessage(string where, TimeResult r) => r switch
    {
        TimeResult.Missing => $"{where}: timestamp is missing; give ISO-8601 or unix time {Window}.",
        TimeResult.OutOfRange => $"{where}: timestamp is outside the accepted range: give a time {Window}.",
        _ => $"{where}: timestamp is not ISO-8601 / unix time; give a time {Window}.",
    };

    /// <summary>A finite double from a JSON number or a numeric string (NaN, Infinity and 1e400 are refused).</summary>
    public static bool TryNumber(CellKind kind, ReadOnlySpan<char> s, out double d)
    {
        d = 0;
        if (kind is not (CellKind.Number or CellKind.String)) return false;
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out d) && double.IsFinite(d);
    }

    /// <summary>Text of a string, number or boolean cell (what a tag or a string field accepts).</summary>
    public static bool IsText(CellKind kind) => kind is CellKind.String or CellKind.Number or CellKind.True or CellKind.False;
}
