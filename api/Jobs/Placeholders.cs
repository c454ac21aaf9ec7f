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

    [GeneratedRegex(@"^[yMdHhmsfFtTzK\-_. :]+$")]
    private static partial Regex DateFormat();

    public static void Validate(string? text, string field, Errors errors)
    {
        if (string.IsNullOrEmpty(text)) return;
        if (text.Count(c => c == '{') != text.Count(c => c == '}'))
            errors.Add(field, "Unbalanced braces: placeholders are {source}, {template}, {range}, {date} or {date:yyyy-MM-dd}.");
        foreach (Match m in Token().Matches(text))
        {
            var name = m.Groups[1].Value;
            if (name is "source" or "template" or "range" or "date") continue;
            if (name.StartsWith("date:", StringComparison.Ordinal) && name.Length > 5 && DateFormat().IsMatch(name[5..])) continue;
            errors.Add(field, $"Unknown placeholder {{{name}}}: use {{source}}, {{template}}, {{range}}, {{date}} or {{date:yyyy-MM-dd}} (letters y M d H h m s f t z only).");
        }
    }

    public static string Expand(string text, string? source, string? template, string? range, DateTimeOffset now, TimeZoneInfo zone) =>
        Token().Replace(text, m => m.Groups[1].Value switch
        {
            "source" => source ?? "",
            "template" => template ?? "",
            "range" => range ?? "",
            "date" => TimeZoneInfo.ConvertTime(now, zone).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            var d when d.StartsWith("date:", StringComparison.Ordinal) => TimeZoneInfo.ConvertTime(now, zone).ToString(d[5..], CultureInfo.InvariantCulture),
            _ => m.Value,
        });
}
