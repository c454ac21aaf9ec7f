using System.Globalization;
using System.Text;

namespace Exports.Shared;

/// <summary>The one place a name from a client (a filename option, a layout or template title) becomes a file name.
/// Whatever it returns is storable by every artifact store, safe on Windows, macOS and Linux, and shows as it reads:
/// no path separators or reserved characters, no control or invisible format characters (the right-to-left override
/// U+202E and the other bidi controls that make "gpj.exe" read "exe.jpg"), no "..", no leading or trailing dots.</summary>
public static class FileNames
{
    public const int MaxLength = 150;
    static readonly string[] Reserved = ["CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9"];

    /// <summary>A file name (without extension) from <paramref name="name"/>; empty when nothing usable is left.</summary>
    public static string Sanitize(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "";
        var sb = new StringBuilder(Math.Min(name.Length, MaxLength * 2));
        var text = Normalize(name);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                if (CharUnicodeInfo.GetUnicodeCategory(text, i) != UnicodeCategory.Format) sb.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }
            if (char.IsSurrogate(c)) continue;
            var cat = CharUnicodeInfo.GetUnicodeCategory(c);
            if (cat == UnicodeCategory.Format) continue; // bidi controls, zero-width characters, BOM
            if (c < ' ' || c == '\x7f' || cat is UnicodeCategory.Control or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                || c is '/' or '\\' or ':' or '*' or '?' or '"' or '<' or '>' or '|')
            {
                if (sb.Length == 0 || sb[^1] != '_') sb.Append('_');
                continue;
            }
            if (c == '.' && sb.Length > 0 && sb[^1] == '.') continue; // never ".."
            sb.Append(c);
        }
        var s = sb.ToString().Trim().TrimStart('.', '_', ' ', '-').TrimEnd('.', ' ');
        if (s.Length > MaxLength)
        {
            var cut = MaxLength;
            if (char.IsLowSurrogate(s[cut])) cut--;
            s = s[..cut].TrimEnd('.', ' ');
        }
        var stem = s.Split('.')[0];
        if (Reserved.Contains(stem, StringComparer.OrdinalIgnoreCase)) s = "_" + s;
        return s;
    }

    static string Normalize(string name)
    {
        try { return name.IsNormalized() ? name : name.Normalize(NormalizationForm.FormC); }
        catch (ArgumentException) { return name; } // unpaired surrogates: dropped below
    }
}
