using System.Text.RegularExpressions;

namespace Exports.Series;

/// <summary>IANA time zones, the only names that mean the same to .NET and to PostgreSQL. .NET also maps Windows names
/// ("Pacific Standard Time") to zones, which PostgreSQL then refuses mid-query; those are refused here, up front.</summary>
public static partial class TimeZones
{
    [GeneratedRegex(@"^(?:[A-Za-z][A-Za-z0-9_+\-]*)(?:/[A-Za-z0-9_+\-]+){0,2}$")]
    private static partial Regex IanaShape();

    /// <summary>Files in the zoneinfo folder that are not zones.</summary>
    static readonly HashSet<string> NotZones = new(StringComparer.OrdinalIgnoreCase) { "localtime", "posixrules", "Factory", "leapseconds", "tzdata.zi", "zone.tab", "zone1970.tab", "iso3166.tab", "leap-seconds.list", "SECURITY" };

    public static bool TryIana(string? id, out TimeZoneInfo tz)
    {
        tz = TimeZoneInfo.Utc;
        if (string.IsNullOrWhiteSpace(id)) return true;
        id = id.Trim();
        if (id is "UTC" or "Etc/UTC") return true;
        if (id.Length > 64 || !IanaShape().IsMatch(id) || NotZones.Contains(id)) return false;
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(id, out var found) || !found.HasIanaId) return false;
        tz = found;
        return true;
    }

    public const string Hint = "Use an IANA name such as Europe/Berlin or America/New_York.";
}
