using System.Globalization;
using System.Text.Json;
using Exports.Data;
using Exports.Formats;
using Exports.Series;

namespace Exports.Layouts;

/// <summary>A monitor's state as of <see cref="EvaluatedAt"/>: ok, alerting, no-data, or error (its query no longer
/// runs). <see cref="Value"/> is the worst series' latest value, named by <see cref="Series"/>. <see cref="Since"/> is
/// the first point of the current unbroken run of the state; <see cref="SinceAtLeast"/> when that run reaches back to
/// the first point in the window (it may be longer).</summary>
public sealed record MonitorState(string State, double? Value, string? Series, DateTimeOffset? ValueAt, DateTimeOffset Since,
    bool SinceAtLeast, DateTimeOffset WindowFrom, DateTimeOffset EvaluatedAt, string? Error = null);

/// <summary>Evaluates a threshold monitor from its query over the last <see cref="Window"/> (granularity raw unless
/// the query names one). Each series' state at a time is its latest non-null point at or before then meeting the
/// condition (above: value &gt; threshold; below: value &lt; threshold); the monitor alerts while any series does.</summary>
public static class MonitorEvaluation
{
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);
    /// <summary>Points read at most; past it the window shrinks (and "since" says "at least" from the shorter window).</summary>
    public const int MaxPoints = 500_000;

    public sealed record Series(string Name, DateTime[] Times, double[] Values);

    /// <summary>The pure rule: series (times ascending) in, state out.</summary>
    public static MonitorState Evaluate(IReadOnlyList<Series> series, string condition, double threshold, DateTimeOffset windowFrom, DateTimeOffset now)
    {
        bool Meets(double v) => condition == "below" ? v < threshold : v > threshold;
        var points = series.SelectMany((s, i) => s.Times.Select((t, j) => (T: t, S: i, V: s.Values[j])))
            .Where(p => !double.IsNaN(p.V)).OrderBy(p => p.T).ToList();
        if (points.Count == 0) return new MonitorState("no-data", null, null, null, windowFrom, true, windowFrom, now);
        var meeting = new bool[series.Count];
        var latest = new (DateTime T, double V)?[series.Count];
        var count = 0;
        string? state = null;
        DateTime runStart = default, first = points[0].T;
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i];
            var m = Meets(p.V);
            if (m != meeting[p.S]) { meeting[p.S] = m; count += m ? 1 : -1; }
            latest[p.S] = (p.T, p.V);
            if (i + 1 < points.Count && points[i + 1].T == p.T) continue; // settle all points of one instant first
            var s = count > 0 ? "alerting" : "ok";
            if (s != state) { state = s; runStart = p.T; }
        }
        // The worst series: the highest latest value for "above", the lowest for "below" (first by name on a tie).
        var worst = Enumerable.Range(0, series.Count).Where(i => latest[i] is not null)
            .OrderBy(i => condition == "below" ? latest[i]!.Value.V : -latest[i]!.Value.V).ThenBy(i => series[i].Name, StringComparer.Ordinal).First();
        return new MonitorState(state!, latest[worst]!.Value.V, series[worst].Name, Utc(latest[worst]!.Value.T), Utc(runStart),
            runStart == first, windowFrom, now);
    }

    static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, DateTimeKind.Utc));

    /// <summary>Runs the monitor's query over the window ending at <paramref name="now"/> and evaluates it.</summary>
    public static async Task<MonitorState> RunAsync(SeriesExports exports, Guid owner, ThresholdMonitor m, DateTimeOffset now, CancellationToken ct)
    {
        var query = JsonSerializer.Deserialize<ExportRequest>(m.Query, Adapters.Json) ?? new ExportRequest();
        var window = Window;
        for (var attempt = 0; ; attempt++)
        {
            var from = now - window;
            var (outcome, prepared, errors) = await exports.PrepareAsync(owner, WindowQuery(query, from, now), ct);
            if (outcome != PrepareOutcome.Ok)
            {
                var why = outcome == PrepareOutcome.SourceNotFound ? $"No source named '{query.Source}'." : string.Join(" ", errors.ToDictionary().SelectMany(kv => kv.Value));
                return new MonitorState("error", null, null, null, now, false, from, now, why);
            }
            List<Series> series; long total;
            try { (series, total) = await ReadAsync(exports, prepared!, ct); }
            catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException || e is InvalidOperationException && !ct.IsCancellationRequested)
            {
                // One monitor whose query fails (a statement timeout, a dropped connection) is in error; the list still answers.
                return new MonitorState("error", null, null, null, now, false, from, now, e.Message);
            }
            if (total <= MaxPoints || attempt == 3) return Evaluate(series, m.Condition, m.Threshold, from, now);
            window = TimeSpan.FromTicks((long)(window.Ticks * (MaxPoints / (double)total) * 0.8));
        }
    }

    /// <summary>The monitor's query over [from, now]; raw points unless it names a granularity.</summary>
    public static ExportRequest WindowQuery(ExportRequest q, DateTimeOffset from, DateTimeOffset now) => q with
    {
        Timeframe = new TimeframeSpec { From = from.ToString("O", CultureInfo.InvariantCulture), To = now.ToString("O", CultureInfo.InvariantCulture) },
        Granularity = string.IsNullOrWhiteSpace(q.Granularity) || q.Granularity.Trim() == "auto" ? "raw" : q.Granularity,
        Format = "csv", FormatOptions = null, Compression = null, Filename = null, Columns = null, Shape = "long",
    };

    static async Task<(List<Series> Series, long Total)> ReadAsync(SeriesExports exports, PreparedExport p, CancellationToken ct)
    {
        var cols = p.Schema.Columns;
        var time = cols.First(c => c.Type == ColumnType.Time);
        var value = cols.First(c => c.IsValue);
        // Series are told apart by their string keys other than the metric (one metric per monitor).
        var keys = cols.Where(c => c.IsKey && c.Type == ColumnType.String && c.Name != "metric").ToArray();
        var found = new Dictionary<string, (string[] Keys, List<DateTime> T, List<double> V)>(StringComparer.Ordinal);
        var total = await exports.ReadAsync(p, MaxPoints, row =>
        {
            var k = keys.Select(c => row.Nulls[c.Slot] ? "" : row.Strings[c.Slot] ?? "").ToArray();
            var id = string.Join("\u0001", k);
            if (!found.TryGetValue(id, out var s)) found[id] = s = (k, [], []);
            s.T.Add(row.Times[time.Slot]);
            s.V.Add(row.Nulls[value.Slot] ? double.NaN : value.Type == ColumnType.Long ? row.Longs[value.Slot] : row.Doubles[value.Slot]);
        }, ct);
        // Name each series by the keys whose values differ between series (all its keys when it is alone).
        var all = found.Values.ToList();
        var varying = Enumerable.Range(0, keys.Length).Where(i => all.Select(s => s.Keys[i]).Distinct().Count() > 1).ToList();
        if (varying.Count == 0) varying = Enumerable.Range(0, keys.Length).ToList();
        var series = all.Select(s =>
        {
            var order = Enumerable.Range(0, s.T.Count).OrderBy(i => s.T[i]).ToArray();
            var name = string.Join(" · ", varying.Select(i => s.Keys[i]).Where(x => x.Length > 0));
            return new Series(name.Length > 0 ? name : value.Name, order.Select(i => s.T[i]).ToArray(), order.Select(i => s.V[i]).ToArray());
        }).ToList();
        return (series, total);
    }

    /// <summary>A number as the monitor texts print it: up to four decimals, exponent form when that would hide it.</summary>
    public static string Format(double v) =>
        v != 0 && (Math.Abs(v) < 1e-4 || Math.Abs(v) >= 1e15) ? v.ToString("G6", CultureInfo.InvariantCulture) : v.ToString("0.####", CultureInfo.InvariantCulture);

    /// <summary>Records the evaluation on the stored monitor, so the row never keeps an older state.</summary>
    public static void Store(ThresholdMonitor m, MonitorState s)
    {
        m.State = s.State;
        m.Value = s.Value;
        m.Since = s.Since;
    }
}
