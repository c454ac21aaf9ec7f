using Exports.Shared;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Exports.Series;

/// <summary>Relative durations ("15m", "24h", "7d", "2w", "3mo", "1y"), absolute ranges and time zones.</summary>
public static partial class Timeframes
{
    [GeneratedRegex(@"^(\d{1,5})(m|h|d|w|mo|y)$")]
    private static partial Regex Duration();

    /// <summary>The longest range any request may ask for, in days (EXPORTS_MAX_RANGE_DAYS; set once at start-up).</summary>
    public static int MaxRangeDays { get; set; } = 3660;

    /// <summary>The instants a request may name: .NET and PostgreSQL both hold them in any zone's offset.</summary>
    public static readonly DateTimeOffset MinInstant = new(1, 1, 2, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset MaxInstant = new(9999, 12, 30, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A timeframe ({last} or {from, to}) as instants and a short label; problems go to <paramref name="errors"/>
    /// under timeframe, timeframe.last, timeframe.from or timeframe.to.</summary>
    public static (DateTimeOffset From, DateTimeOffset To, string Label) Resolve(TimeframeSpec? tf, TimeZoneInfo zone, DateTimeOffset now, Errors errors)
    {
        if (tf is null) { errors.Add("timeframe", "A timeframe is required: {last: \"24h\"} or {from, to}."); return default; }
        if (!string.IsNullOrWhiteSpace(tf.Last))
        {
            if (tf.From is not null || tf.To is not null) { errors.Add("timeframe", "Give either last or from/to, not both."); return default; }
            if (!TryParseLast(tf.Last, now, out var f, out var tooLong))
            {
                errors.Add("timeframe.last", tooLong
                    ? $"'{tf.Last}' is longer than the longest range allowed, {MaxRangeDays} days (EXPORTS_MAX_RANGE_DAYS)."
                    : $"'{tf.Last}' is not a duration such as 15m, 24h, 7d, 2w, 3mo or 1y.");
                return default;
            }
            return (f, now, tf.Last.Trim());
        }
        DateTimeOffset from = default, to = default;
        var ok = true;
        if (string.IsNullOrWhiteSpace(tf.From) || !TryParseInstant(tf.From, zone, out from))
        { errors.Add("timeframe.from", $"'{tf.From}' is not an ISO-8601 date-time between the years 1 and 9999."); ok = false; }
        if (string.IsNullOrWhiteSpace(tf.To) || !TryParseInstant(tf.To, zone, out to))
        { errors.Add("timeframe.to", $"'{tf.To}' is not an ISO-8601 date-time between the years 1 and 9999."); ok = false; }
        if (ok && from >= to) { errors.Add("timeframe.from", "from must be before to."); ok = false; }
        if (ok && (to - from).TotalDays > MaxRangeDays)
        {
            errors.Add("timeframe", $"The range is {(to - from).TotalDays:0.#} days, longer than the longest range allowed, {MaxRangeDays} days (EXPORTS_MAX_RANGE_DAYS).");
            ok = false;
        }
        return ok ? (from, to, Compact(from, to)) : default;
    }

    /// <summary>A relative duration back from <paramref name="now"/>; <paramref name="tooLong"/> when it is well-formed
    /// but longer than <see cref="MaxRangeDays"/>.</summary>
    public static bool TryParseLast(string text, DateTimeOffset now, out DateTimeOffset from, out bool tooLong)
    {
        from = default;
        tooLong = false;
        var m = Duration().Match(text.Trim());
        if (!m.Success) return false;
        var n = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        if (n == 0) return false;
        var unit = m.Groups[2].Value;
        var days = unit switch
        {
            "m" => n / 1440.0,
            "h" => n / 24.0,
            "d" => n,
            "w" => 7.0 * n,
            "mo" => 31.0 * n,
            _ => 366.0 * n,
        };
        // A cheap upper bound first (months and years are at most 31 and 366 days), so no date arithmetic can overflow.
        if (days > MaxRangeDays + (unit is "mo" or "y" ? n * 1.0 : 0))
        {
            tooLong = true;
            return false;
        }
        from = unit switch
        {
            "m" => now.AddMinutes(-n),
            "h" => now.AddHours(-n),
            "d" => now.AddDays(-n),
            "w" => now.AddDays(-7 * n),
            "mo" => now.AddMonths(-n),
            _ => now.AddYears(-n),
        };
        if ((now - from).TotalDays > MaxRangeDays) { tooLong = true; return false; }
        return true;
    }

    /// <summary>ISO-8601 with an offset, or a local date-time read in the request's time zone; false for text that is
    /// not a date-time or names an instant outside <see cref="MinInstant"/>..<see cref="MaxInstant"/>.</summary>
    public static bool TryParseInstant(string text, TimeZoneInfo tz, out DateTimeOffset value)
    {
        value = default;
        if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces | DateTimeStyles.RoundtripKind, out var dt))
            return false;
        if (dt < MinInstant.UtcDateTime || dt > MaxInstant.UtcDateTime) return false; // before any offset is applied
        if (dt.Kind == DateTimeKind.Unspecified)
        {
            if (tz.IsInvalidTime(dt)) return false;
            value = new DateTimeOffset(dt, tz.GetUtcOffset(dt));
        }
        else value = new DateTimeOffset(dt.ToUniversalTime(), TimeSpan.Zero);
        value = value.ToUniversalTime();
        return true;
    }

    /// <summary>Whether an instant lies between <see cref="MinInstant"/> and <see cref="MaxInstant"/>.</summary>
    public static bool InRange(DateTimeOffset v) => v.UtcTicks >= MinInstant.UtcTicks && v.UtcTicks <= MaxInstant.UtcTicks;

    public static string Compact(DateTimeOffset from, DateTimeOffset to) =>
        $"{from.UtcDateTime:yyyyMMdd'T'HHmm}-{to.UtcDateTime:yyyyMMdd'T'HHmm}";
}

/// <summary>A time bucket size, calendar-aware in the request's time zone from one hour up.</summary>
public sealed record Granularity(string Name, string? SqlInterval, string? TruncUnit, TimeSpan Approx)
{
    public static readonly Granularity Raw = new("raw", null, null, TimeSpan.FromMinutes(1));
    public static readonly IReadOnlyDictionary<string, Granularity> Known = new Dictionary<string, Granularity>
    {
        ["raw"] = Raw,
        ["1m"] = new("1m", "1 minute", null, TimeSpan.FromMinutes(1)),
        ["5m"] = new("5m", "5 minutes", null, TimeSpan.FromMinutes(5)),
        ["15m"] = new("15m", "15 minutes", null, TimeSpan.FromMinutes(15)),
        ["1h"] = new("1h", null, "hour", TimeSpan.FromHours(1)),
        ["1d"] = new("1d", null, "day", TimeSpan.FromDays(1)),
        ["1w"] = new("1w", null, "week", TimeSpan.FromDays(7)),
        ["1mo"] = new("1mo", null, "month", TimeSpan.FromDays(30.44)),
    };
    public bool IsRaw => Name == "raw";

    /// <summary>SQL that buckets <paramref name="col"/>; <paramref name="tzParam"/> is the parameter holding the zone name.</summary>
    public string BucketSql(string col, string tzParam) => TruncUnit is not null
        ? $"date_trunc('{TruncUnit}', {col}, {tzParam})"
        : $"date_bin('{SqlInterval}'::interval, {col}, ('2000-01-03 00:00'::timestamp AT TIME ZONE {tzParam}))";
}

/// <summary>An aggregation: count, sum, avg, min, max, or a percentile pNN (any value between 0 and 100).</summary>
public sealed partial record Aggregation(string Name, string Kind, double Fraction)
{
    [GeneratedRegex(@"^p(\d{1,2}(\.\d{1,3})?|100)$")]
    private static partial Regex Percentile();

    public static Aggregation? Parse(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        if (t is "count" or "sum" or "avg" or "min" or "max") return new(t, t, 0);
        if (t == "mean") return new("avg", "avg", 0);
        if (t == "median") return new("p50", "pct", 0.5);
        var m = Percentile().Match(t);
        return m.Success ? new(t, "pct", double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) / 100) : null;
    }
    public bool IsCount => Kind == "count";
    /// <summary>The function as a writer sees it on the column it made.</summary>
    public Exports.Formats.Aggregate Function => Kind switch
    {
        "count" => Exports.Formats.Aggregate.Count, "sum" => Exports.Formats.Aggregate.Sum, "avg" => Exports.Formats.Aggregate.Avg,
        "min" => Exports.Formats.Aggregate.Min, "max" => Exports.Formats.Aggregate.Max,
        _ => Exports.Formats.Aggregate.Percentile,
    };
}
