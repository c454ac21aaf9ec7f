using System.Globalization;
using System.Text.RegularExpressions;
using Exports.Shared;

namespace Exports.Jobs;

/// <summary>Placeholders in file names and e-mail subjects: <c>{source}</c>, <c>{template}</c>, <c>{range}</c> and
/// <c>{date}</c> or <c>{date:FORMAT}</c> (.NET date format, in the export's time zone). Checked when a template is
/// saved, filled in when it runs.</summary>
public static partial class Placeholders
{
    [GeneratedRegex(@"\{([^{}]*)\}")]
    private static partial Regex Token();

    /// <summary>Longest run of each custom-format letter .NET reads as one field (yyyyy, MMMM, dddd, fffffff, zzz);
    /// K, g, / and the rest are not allowed: they either mean nothing in a file name or throw when formatted.</summary>
    static readonly Dictionary<char, int> Letters = new()
    {
        ['y'] = 5, ['M'] = 4, ['d'] = 4, ['H'] = 2, ['h'] = 2, ['m'] = 2, ['s'] = 2, ['f'] = 7, ['F'] = 7, ['t'] = 2, ['z'] = 3,
    };
    const string Separators = "-_. T";
    const string Help = "{source}, {template}, {range}, {date} or {date:FORMAT} where FORMAT is two or more of y M d H h m s f F t z (f and F up to 7 in a row), with - _ . T or space between";

    public static void Validate(string? text, string field, Errors errors)
    {
        if (string.IsNullOrEmpty(text)) return;
        if (text.Count(c => c == '{') != text.Count(c => c == '}'))
            errors.Add(field, $"Unbalanced braces: placeholders are {Help}.");
        foreach (Match m in Token().Matches(text))
        {
            var name = m.Groups[1].Value;
            if (name is "source" or "template" or "range" or "date") continue;
            if (name.StartsWith("date:", StringComparison.Ordinal) && DateFormatError(name[5..]) is not { } why) continue;
            else if (name.StartsWith("date:", StringComparison.Ordinal)) errors.Add(field, $"{{{name}}}: {DateFormatError(name[5..])} Use {Help}.");
            else errors.Add(field, $"Unknown placeholder {{{name}}}: use {Help}.");
        }
    }

    /// <summary>Why a {date:FORMAT} cannot be used, or null when it formats.</summary>
    static string? DateFormatError(string format)
    {
        if (format.Length < 2) return "A one-letter format is a .NET standard format (d is 11/22/2026); write it out, such as yyyy-MM-dd.";
        for (var i = 0; i < format.Length;)
        {
            var c = format[i];
            var run = 1;
            while (i + run < format.Length && format[i + run] == c) run++;
            if (Letters.TryGetValue(c, out var max))
            {
                if (run > max) return $"'{new string(c, run)}' is too long ({c} at most {max} in a row).";
            }
            else if (!Separators.Contains(c)) return $"'{c}' is not allowed in a date format.";
            i += run;
        }
        try { _ = DateTimeOffset.UnixEpoch.ToString(format, CultureInfo.InvariantCulture); }
        catch (FormatException) { return "It is not a .NET date format."; }
        return null;
    }

    public static string Expand(string text, string? source, string? template, string? range, DateTimeOffset now, TimeZoneInfo zone) =>
        Token().Replace(text, m => m.Groups[1].Value switch
        {
            "source" => source ?? "",
            "template" => template ?? "",
            "range" => range ?? "",
            "date" => TimeZoneInfo.ConvertTime(now, zone).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            // A template saved before formats were checked keeps the placeholder as written instead of failing the run.
            var d when d.StartsWith("date:", StringComparison.Ordinal) => DateFormatError(d[5..]) is null
                ? TimeZoneInfo.ConvertTime(now, zone).ToString(d[5..], CultureInfo.InvariantCulture) : m.Value,
            _ => m.Value,
        });
}
