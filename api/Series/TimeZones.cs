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

    /// <summary>The first UTC offset the zone has in [from, to] that is not a multiple of <paramref name="unit"/>
    /// (a rollup tier's bucket starts at whole UTC units, so only such offsets give local buckets it holds whole),
    /// or null. Offsets are sampled every 6 hours and at both ends: no zone holds an offset for less.</summary>
    public static TimeSpan? OffsetNotDividedBy(TimeZoneInfo zone, DateTimeOffset from, DateTimeOffset to, TimeSpan unit)
    {
        if (zone == TimeZoneInfo.Utc) return null;
        var step = TimeSpan.FromHours(6);
        for (var t = from; ; t += step)
        {
            if (t > to) t = to;
            var off = zone.GetUtcOffset(t);
            if (off.Ticks % unit.Ticks != 0) return off;
            if (t == to) return null;
        }
    }

    public const string Hint = "Use an IANA name such as Europe/Berlin or America/New_York.";
}
