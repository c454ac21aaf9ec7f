namespace Exports.Rendering.Charts;

/// <summary>A stat's or gauge's one number from its series: each series is reduced over the range (last, mean, max,
/// min, sum of its points), then the series' values are combined (mean, sum, max, min, or the first series). The
/// method is said in words under the number.</summary>
public static class StatReducer
{
    public static StatValue? Reduce(SeriesData data, WidgetOptions o)
    {
        if (data.Stat is { } given) return given;
        var per = data.Series
            .Select(s => s.Y.Where(v => !double.IsNaN(v)).ToArray())
            .Where(v => v.Length > 0)
            .Select(v => (Value: Over(v, o.Reduce), First: v[0]))
            .ToList();
        if (per.Count == 0) return null;
        var combine = o.Combine is null or "all" ? "mean" : o.Combine;
        if (combine == "first") per = [per[0]];
        var values = per.Select(p => p.Value).ToArray();
        var firsts = per.Select(p => p.First).ToArray();
        var value = Over(values, combine);
        double? first = o.Reduce == "last" ? Over(firsts, combine) : null;
        var lastX = data.Series.Where(s => s.Y.Any(v => !double.IsNaN(v))).Max(s => s.X[Array.FindLastIndex(s.Y, v => !double.IsNaN(v))]);
        var how = o.Reduce == "last" ? "last value" + Partial(data, lastX) + Earlier(data, lastX) : $"{o.Reduce} over the range";
        var method = combine == "first" ? $"{how} · first of {data.Series.Count} series"
            : per.Count == 1 ? data.Series.Count > 1 ? $"{how} · the one of {data.Series.Count} series with data" : how
            : $"{how} · {combine} of {per.Count} series";
        return new StatValue(value, first, method);
    }

    /// <summary>" (partial: 7 of 60 min)" when the bucket starting at <paramref name="startMs"/> runs past the range's
    /// end, so a last value from a bucket the range cuts short says so.</summary>
    public static string Partial(SeriesData data, double startMs)
    {
        if (data.Bucket is not { } b) return "";
        var end = b.Next(startMs);
        if (end <= data.ToMs || startMs >= data.ToMs) return "";
        double span = end - startMs, covered = data.ToMs - Math.Max(startMs, data.FromMs);
        var hours = span > 7_200_000;
        string N(double ms) => (ms / (hours ? 3_600_000 : 60_000)).ToString(hours ? "0.#" : "0", System.Globalization.CultureInfo.InvariantCulture);
        return $" (partial: {N(covered)} of {N(span)} {(hours ? "h" : "min")})";
    }

    /// <summary>", from 2026-11-29 14:00" when the bucket starting at <paramref name="startMs"/> is not the range's
    /// last one (the last buckets had no rows), so an old value never passes for the latest; null when it is.</summary>
    public static string? Earlier(SeriesData data, double startMs)
    {
        if (data.Bucket is not { } b || b.Next(startMs) >= data.ToMs) return null;
        var local = TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds((long)startMs), b.Zone);
        return $", from {local:yyyy-MM-dd HH:mm}";
    }

    /// <summary>One value from several: mean, max, min, sum, first, or last.</summary>
    public static double Over(double[] v, string how) => how switch
    {
        "mean" => v.Average(),
        "max" => v.Max(),
        "min" => v.Min(),
        "sum" => v.Sum(),
        "first" => v[0],
        _ => v[^1], // last
    };
}
