namespace Exports.Rendering.Charts;

/// <summary>Axis ticks people read easily: steps of 1, 2 or 5 times a power of ten.</summary>
public static class NiceScale
{
    public static (double Min, double Max, double Step) Ticks(double min, double max, int target)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max)) return (0, 1, 0.25);
        if (min == max) { var pad = min == 0 ? 1 : Math.Abs(min) * 0.1; min -= pad; max += pad; }
        var raw = max / Math.Max(1, target) - min / Math.Max(1, target); // finite even for ±1.7e308
        var mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var norm = raw / mag;
        var step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
        var lo = Math.Floor(min / step) * step;
        var hi = Math.Ceiling(max / step) * step;
        // Rounding out past the largest double would give infinite ends: keep the data's own.
        return (double.IsFinite(lo) ? lo : min, double.IsFinite(hi) ? hi : max, step);
    }

    /// <summary>The tick values lo, lo + step, … up to hi, computed by index (no drift) and never more than
    /// <paramref name="max"/>: a step too small to move a double at this magnitude (1e18 + 20 == 1e18) gives the two
    /// ends instead of looping for ever.</summary>
    public static IEnumerable<double> Values(double lo, double hi, double step, int max = 100)
    {
        var n = step > 0 && double.IsFinite(step) ? (hi - lo) / step : double.NaN;
        if (!double.IsFinite(n) || n > max || lo + step == lo || hi - step == hi)
        {
            yield return lo;
            if (hi != lo) yield return hi;
            yield break;
        }
        var count = (int)Math.Round(n);
        for (var i = 0; i <= count; i++) yield return lo + i * step;
    }

    public static string Format(double v, double step, int? decimals, string? unit)
    {
        var d = decimals ?? Math.Max(0, (int)-Math.Floor(Math.Log10(step) + 1e-9));
        string text;
        var a = Math.Abs(v);
        if (decimals is null && a >= 1e9) text = (v / 1e9).ToString("0.##", Inv) + "G";
        else if (decimals is null && a >= 1e6) text = (v / 1e6).ToString("0.##", Inv) + "M";
        else if (decimals is null && a >= 1e4) text = (v / 1e3).ToString("0.##", Inv) + "k";
        else text = v.ToString("F" + Math.Min(d, 6), Inv);
        if (text.StartsWith("-") && text.Trim('-', '0', '.').Length == 0) text = text[1..];
        return unit is { Length: > 0 } ? unit == "%" ? text + "%" : $"{text} {unit}" : text;
    }

    static readonly System.Globalization.CultureInfo Inv = System.Globalization.CultureInfo.InvariantCulture;
}

/// <summary>Time axis ticks aligned to local clock boundaries in the layout's time zone (month steps at the 1st). A
/// label depends only on its local instant, never on the chart's width or step: HH:mm within a day, the date (MMM d) at
/// local midnight, the year at New Year, so every chart of one range reads the same instant the same way.</summary>
public static class TimeScale
{
    static readonly TimeSpan[] Steps =
    [
        TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(1), TimeSpan.FromHours(2), TimeSpan.FromHours(3), TimeSpan.FromHours(6), TimeSpan.FromHours(12),
        TimeSpan.FromDays(1), TimeSpan.FromDays(2), TimeSpan.FromDays(7), TimeSpan.FromDays(14), TimeSpan.FromDays(30),
    ];

    public static string Label(DateTime local) =>
        local.ToString(local.TimeOfDay != TimeSpan.Zero ? "HH:mm" : local is { Month: 1, Day: 1 } ? "yyyy" : "MMM d", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Ticks (epoch milliseconds) and their labels between <paramref name="fromMs"/> and <paramref name="toMs"/>,
    /// about one per <paramref name="pixelsPerTick"/> of <paramref name="width"/>.</summary>
    public static List<(double Ms, string Label)> Ticks(double fromMs, double toMs, double width, TimeZoneInfo zone, double pixelsPerTick = 110)
    {
        var result = new List<(double, string)>();
        if (!(toMs > fromMs)) return result;
        var target = Math.Max(2, width / pixelsPerTick);
        var span = TimeSpan.FromMilliseconds(toMs - fromMs);
        var step = Steps.FirstOrDefault(s => span / s <= target, Steps[^1]);
        var months = step.TotalDays >= 30;
        var from = DateTimeOffset.FromUnixTimeMilliseconds((long)fromMs);
        var local = TimeZoneInfo.ConvertTime(from, zone);
        // Align to the step in local time (days at local midnight, months at the 1st).
        DateTime start = months ? new DateTime(local.Year, local.Month, 1)
            : step >= TimeSpan.FromDays(1) ? local.Date
            : new DateTime(local.Year, local.Month, local.Day, 0, 0, 0).AddTicks((local.DateTime.TimeOfDay.Ticks / step.Ticks) * step.Ticks);
        for (var t = start; ; t = months ? t.AddMonths(1) : t.Add(step))
        {
            if (zone.IsInvalidTime(t)) continue;
            var utc = TimeZoneInfo.ConvertTimeToUtc(t, zone);
            var ms = new DateTimeOffset(utc).ToUnixTimeMilliseconds();
            if (ms > toMs) break;
            if (ms >= fromMs) result.Add((ms, Label(t)));
            if (result.Count > 200) break;
            // The calendar ends at year 9999: stop where the next step would pass it.
            if (months ? t.Year == 9999 && t.Month == 12 : DateTime.MaxValue - t < step) break;
        }
        return result;
    }
}

/// <summary>Reduces a series to at most four points per pixel column (first, min, max and last, in time order),
/// or with <c>extremesOnly</c> two (min and max), so a million points draw as fast as a few thousand and every peak
/// survives. NaN (a gap) is kept as a break.</summary>
public static class Downsample
{
    public static (double[] X, double[] Y) MinMax(double[] x, double[] y, double fromX, double toX, int columns, bool extremesOnly = false)
    {
        var perColumn = extremesOnly ? 2 : 4;
        if (x.Length <= columns * perColumn || columns <= 0 || !(toX > fromX)) return (x, y);
        var ox = new List<double>(columns * perColumn);
        var oy = new List<double>(columns * perColumn);
        var width = (toX - fromX) / columns;
        int bucket = -1, first = -1, min = -1, max = -1, last = -1;
        Span<int> keep = stackalloc int[4];
        void Flush(List<double> ox, List<double> oy, Span<int> keep)
        {
            if (first < 0) return;
            keep[0] = first; keep[1] = min; keep[2] = max; keep[3] = last;
            if (extremesOnly) { keep[0] = keep[3] = min; }
            keep.Sort();
            for (var k = 0; k < 4; k++)
                if (k == 0 || keep[k] != keep[k - 1]) { ox.Add(x[keep[k]]); oy.Add(y[keep[k]]); }
            first = -1;
        }
        for (var i = 0; i < x.Length; i++)
        {
            if (double.IsNaN(y[i]))
            {
                Flush(ox, oy, keep);
                if (oy.Count == 0 || !double.IsNaN(oy[^1])) { ox.Add(x[i]); oy.Add(double.NaN); } // one break per gap
                bucket = -1;
                continue;
            }
            var col = Math.Clamp((int)((x[i] - fromX) / width), 0, columns - 1);
            if (col != bucket) { Flush(ox, oy, keep); bucket = col; first = min = max = last = i; continue; }
            if (y[i] < y[min]) min = i;
            if (y[i] > y[max]) max = i;
            last = i;
        }
        Flush(ox, oy, keep);
        return (ox.ToArray(), oy.ToArray());
    }
}
