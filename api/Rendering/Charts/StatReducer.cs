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
        var how = o.Reduce == "last" ? "last value" : $"{o.Reduce} over the range";
        var method = combine == "first" ? $"{how} · first of {data.Series.Count} series"
            : per.Count == 1 ? data.Series.Count > 1 ? $"{how} · the one of {data.Series.Count} series with data" : how
            : $"{how} · {combine} of {per.Count} series";
        return new StatValue(value, first, method);
    }

    static double Over(double[] v, string how) => how switch
    {
        "mean" => v.Average(),
        "max" => v.Max(),
        "min" => v.Min(),
        "sum" => v.Sum(),
        "first" => v[0],
        _ => v[^1], // last
    };
}
