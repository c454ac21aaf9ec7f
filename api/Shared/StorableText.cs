using System.Globalization;
using System.Text;

namespace Exports.Shared;

public enum TextFault { None, Nul, LoneSurrogate }

/// <summary>Text a client sends that PostgreSQL and every text format can hold: no NUL (U+0000) and no surrogate
/// without its pair. One check for the request edge and for ingest.</summary>
public static class StorableText
{
    public static TextFault Fault(ReadOnlySpan<char> s) => Fault(s, out _);

    /// <param name="at">Where the fault is (-1 when there is none).</param>
    public static TextFault Fault(ReadOnlySpan<char> s, out int at)
    {
        at = s.IndexOf('\0');
        if (at >= 0) return TextFault.Nul;
        var i = s.IndexOfAnyInRange('\uD800', '\uDFFF');
        if (i < 0) return TextFault.None;
        for (; i < s.Length; i++)
        {
            var c = s[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= s.Length || !char.IsLowSurrogate(s[i + 1])) { at = i; return TextFault.LoneSurrogate; }
                i++;
            }
            else if (char.IsLowSurrogate(c)) { at = i; return TextFault.LoneSurrogate; }
        }
        return TextFault.None;
    }

    /// <summary>A name as it can be shown back in messages and error keys: control characters, lone surrogates and
    /// U+FFFE (where a decoder met invalid UTF-8) escaped as \uXXXX.</summary>
    public static string Display(ReadOnlySpan<char> s)
    {
        if (Fault(s) == TextFault.None && s.IndexOfAnyInRange('\0', '\u001f') < 0 && !s.Contains('\uFFFE')) return s.ToString();
        var b = new StringBuilder(s.Length + 8);
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { b.Append(c).Append(s[++i]); continue; }
            if (c < ' ' || char.IsSurrogate(c) || c == '\uFFFE') b.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            else b.Append(c);
        }
        return b.ToString();
    }
}
