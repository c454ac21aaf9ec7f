using System.Globalization;

namespace Exports.Series;

/// <summary>
/// Which JSON number texts a jsonb value may carry as they are: PostgreSQL parses a jsonb number as numeric, which
/// refuses an exponent beyond ±1000 and a scale or weight past its limits (22003 / 22P02, a 500 or a cut stream if it
/// reached SQL). A number is storable when it is JSON number syntax, a finite double, has at most 1000 digits and an
/// exponent within ±1000: numeric then holds it exactly (so "12345678901234567890" stays that number), far inside
/// numeric's limits. Ingest (array elements) and filters (values compared with them) apply the same rule.
/// </summary>
public static class JsonNumber
{
    public const int MaxDigits = 1000, MaxExponent = 1000;

    /// <summary>The rule as an error message's tail.</summary>
    public const string Rule = "a finite number of at most 1000 digits with an exponent within ±1000";

    /// <summary>True when <paramref name="text"/> is JSON number syntax that jsonb keeps exactly (see the type).</summary>
    public static bool IsStorable(ReadOnlySpan<char> text)
    {
        var i = 0;
        if (i < text.Length && text[i] == '-') i++;
        var digits = 0;
        var start = i;
        while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
        if (i == start || (text[start] == '0' && i - start > 1)) return false; // JSON: no empty or leading-zero integer part
        digits += i - start;
        if (i < text.Length && text[i] == '.')
        {
            start = ++i;
            while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
            if (i == start) return false;
            digits += i - start;
        }
        if (digits > MaxDigits) return false;
        if (i < text.Length && text[i] is 'e' or 'E')
        {
            i++;
            if (i < text.Length && text[i] is '+' or '-') i++;
            start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
            if (i == start) return false;
            var e = text[start..i].TrimStart('0');
            if (e.Length > 4 || (e.Length > 0 && int.Parse(e, CultureInfo.InvariantCulture) > MaxExponent)) return false;
        }
        return i == text.Length
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d);
    }

    /// <summary><see cref="IsStorable(ReadOnlySpan{char})"/> on UTF-8 text (a JSON token).</summary>
    public static bool IsStorable(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxDigits + 16) return false; // longer than any storable number's text (digits, sign, dot, exponent)
        Span<char> chars = stackalloc char[utf8.Length];
        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] > 0x7F) return false;
            chars[i] = (char)utf8[i];
        }
        return IsStorable(chars);
    }
}
