using System.Buffers.Text;
using System.Text;

namespace Exports.Formats.Excel;

/// <summary>XML text for SpreadsheetML parts, written straight into UTF-8 buffers.</summary>
public static class Xml
{
    public const string Header = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
    public const string Main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    public const string Rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

    /// <summary>Escapes markup characters; characters XML 1.0 cannot hold become SpreadsheetML's _xHHHH_ escapes, and
    /// text that itself reads like such an escape keeps its underscore as _x005F_ (or Excel would show "_x0041_" as "A").</summary>
    public static void Text(Utf8Sink o, ReadOnlySpan<char> s)
    {
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            string? rep = c switch
            {
                '&' => "&amp;", '<' => "&lt;", '>' => "&gt;", '"' => "&quot;",
                '_' when LooksEscaped(s, i) => "_x005F_",
                _ when c < 0x20 && c is not ('\t' or '\n' or '\r') => $"_x{(int)c:X4}_",
                _ when c is '\uFFFE' or '\uFFFF' => $"_x{(int)c:X4}_",
                _ => null,
            };
            if (rep is null) continue;
            o.Text(s[start..i]);
            o.Text(rep);
            start = i + 1;
        }
        o.Text(s[start..]);
    }

    public static string Escape(string s)
    {
        var sb = new StringBuilder(s.Length + 8);
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            sb.Append(c switch
            {
                '&' => "&amp;", '<' => "&lt;", '>' => "&gt;", '"' => "&quot;",
                '_' when LooksEscaped(s, i) => "_x005F_",
                _ when c < 0x20 && c is not ('\t' or '\n' or '\r') => $"_x{(int)c:X4}_",
                _ when c is '\uFFFE' or '\uFFFF' => $"_x{(int)c:X4}_",
                _ => c.ToString(),
            });
        }
        return sb.ToString();
    }

    /// <summary>"_xHHHH_" starts at <paramref name="i"/>: a reader would decode it as an escaped character.</summary>
    static bool LooksEscaped(ReadOnlySpan<char> s, int i) =>
        i + 6 < s.Length && s[i + 1] is 'x' or 'X' && char.IsAsciiHexDigit(s[i + 2]) && char.IsAsciiHexDigit(s[i + 3])
        && char.IsAsciiHexDigit(s[i + 4]) && char.IsAsciiHexDigit(s[i + 5]) && s[i + 6] == '_';

    public static void Int(Utf8Sink o, long v)
    {
        Utf8Formatter.TryFormat(v, o.Reserve(20), out var n);
        o.Advance(n);
    }

    public static void Double(Utf8Sink o, double v)
    {
        Utf8Formatter.TryFormat(v, o.Reserve(32), out var n);
        o.Advance(n);
    }

    /// <summary>The shortest text that reads back as exactly <paramref name="v"/>.</summary>
    public static string RoundTrip(double v) => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    static readonly long ExcelEpoch = new DateTime(1899, 12, 30).Ticks;

    /// <summary>A UTC time as an Excel date serial (days since 1899-12-30) of its local time in <paramref name="zone"/>;
    /// <paramref name="zoneIsUtc"/> skips the offset lookup.</summary>
    public static void ExcelDate(Utf8Sink o, DateTime utc, TimeZoneInfo zone, bool zoneIsUtc = false)
    {
        var local = (zoneIsUtc ? utc.Ticks : utc.Ticks + zone.GetUtcOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).Ticks) - ExcelEpoch;
        // Whole days and the day's fraction apart: the tick count itself has more bits than a double holds, so dividing
        // it as one number lost up to 3 µs; this way the serial is the double nearest the exact time (within 0.32 µs).
        Double(o, Math.DivRem(local, TimeSpan.TicksPerDay, out var rest) + rest / (double)TimeSpan.TicksPerDay);
    }

    /// <summary>Column letters: 0 → A, 25 → Z, 26 → AA.</summary>
    public static string Column(int index)
    {
        var s = "";
        for (var i = index + 1; i > 0; i = (i - 1) / 26) s = (char)('A' + (i - 1) % 26) + s;
        return s;
    }

    /// <summary>A sheet name quoted for formulas: 'Data (2)'!$A$1.</summary>
    public static string SheetRef(string sheet) => "'" + sheet.Replace("'", "''") + "'";
}
