using System.Globalization;
using Exports.Formats;
using Exports.Rendering;
using Exports.Rendering.Charts;
using Exports.Series;
using Exports.Shared;

namespace Exports.Layouts;

/// <summary>Runs every widget's query (the same engine as data exports) and turns the rows into what the renderer
/// draws. A widget whose query is refused or fails carries its error; one with no rows says so. Nothing here
/// fails the whole layout.</summary>
public sealed class LayoutResolver(SeriesExports exports, TimeProvider clock, LayoutLimits limits)
{
    const int MaxPointsPerWidget = 500_000;
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public async Task<RenderDocument> ResolveAsync(Guid owner, ExportLayout layout, LayoutValidator.Settings s, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var frame = layout.Timeframe ?? new TimeframeSpec { Last = "24h" };
        var (from, to, _) = Timeframes.Resolve(frame, s.Zone, now, new Errors()); // checked by LayoutValidator
        var widgets = new RenderWidget[layout.Widgets!.Count];
        using var gate = new SemaphoreSlim(3);
        await Task.WhenAll(layout.Widgets.Select(async (w, i) =>
        {
            await gate.WaitAsync(ct);
            try { widgets[i] = await ResolveWidgetAsync(owner, layout, w, i, s, frame, from, to, ct); }
            finally { gate.Release(); }
        }));
        return new RenderDocument(layout.Title ?? "Export", LayoutValidator.Describe(from, to, s.Zone), s.Zone, s.Theme, s.Grid, s.Page,
            s.ViewportWidth, s.Scale, now, widgets);
    }

    async Task<RenderWidget> ResolveWidgetAsync(Guid owner, ExportLayout layout, WidgetRequest w, int index, LayoutValidator.Settings s,
        TimeframeSpec frame, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var options = s.Options[index];
        RenderWidget Make(WidgetData data) => new(w.Id!, w.Type!, w.Title ?? "", w.X, w.Y, w.W, w.H, options, data);
        if (w.Type == "text") return Make(new TextData(w.Text ?? ""));
        var query = w.Query! with
        {
            Timeframe = w.Query!.Timeframe ?? frame,
            Timezone = w.Query.Timezone ?? layout.Timezone,
            Format = "csv", FormatOptions = null, Compression = null, Filename = null,
        };
        try
        {
            var (outcome, prepared, errors) = await exports.PrepareAsync(owner, query, ct);
            if (outcome == PrepareOutcome.SourceNotFound) return Make(new ErrorData($"No source named '{query.Source}'."));
            if (outcome == PrepareOutcome.Invalid)
                return Make(new ErrorData(string.Join(" ", errors.ToDictionary().SelectMany(kv => kv.Value).Take(2))));
            var p = prepared!;
            var wf = (double)p.Plan.From.ToUnixTimeMilliseconds();
            var wt = (double)p.Plan.To.ToUnixTimeMilliseconds();
            if (w.Type == "table") return Make(await TableAsync(p, options, s.Zone, options.MaxRows ?? (s.Format == "pdf" ? limits.PdfTableRows : 12), ct));
            if (w.Type is "stat" or "gauge" && OneNumber(p) is { } why) return Make(new ErrorData(why));
            var data = await SeriesAsync(p, wf, wt, ct);
            if (w.Type is "stat" or "gauge" && data is SeriesData sd) data = await StatAsync(owner, query, p, sd, options, ct);
            return Make(data);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
        {
            return Make(new ErrorData(e.Message));
        }
    }

    /// <summary>Every value column (each aggregation, or each metric of a wide query) of every key is a series,
    /// named by the fewest keys that tell the series apart, then the column when there are several.</summary>
    async Task<WidgetData> SeriesAsync(PreparedExport p, double fromMs, double toMs, CancellationToken ct)
    {
        var cols = p.Schema.Columns;
        var time = cols.FirstOrDefault(c => c.Type == ColumnType.Time);
        var values = cols.Where(c => c.IsValue).ToArray();
        if (time is null || values.Length == 0) return new ErrorData("The query has no time and numeric columns to draw.");
        var keys = cols.Where(c => c.IsKey && c.Type == ColumnType.String).ToArray();
        var series = new Dictionary<string, (List<double> X, List<double>[] Y, string[] Keys)>(StringComparer.Ordinal);
        var order = new List<string>();
        string? lastName = null;
        (List<double> X, List<double>[] Y, string[] Keys) current = default;
        await exports.ReadAsync(p, MaxPointsPerWidget, row =>
        {
            var name = keys.Length == 0 ? "" : keys.Length == 1 ? Key(row, keys[0]) : string.Join("\u0001", keys.Select(k => Key(row, k)));
            if (name != lastName)
            {
                if (!series.TryGetValue(name, out current))
                {
                    series[name] = current = ([], values.Select(_ => new List<double>()).ToArray(), keys.Select(k => Key(row, k)).ToArray());
                    order.Add(name);
                }
                lastName = name;
            }
            current.X.Add((row.Times[time.Slot] - DateTime.UnixEpoch).TotalMilliseconds);
            for (var v = 0; v < values.Length; v++)
                current.Y[v].Add(row.Nulls[values[v].Slot] ? double.NaN : values[v].Type == ColumnType.Long ? row.Longs[values[v].Slot] : row.Doubles[values[v].Slot]);
        }, ct);
        // Name series by the fewest keys that still tell them apart (web-01 rather than eu-west · cpu_percent · web-01).
        var keep = Enumerable.Range(0, keys.Length).ToList();
        foreach (var k in Enumerable.Range(0, keys.Length).OrderBy(k => keys[k].Name == "server" ? 1 : 0))
        {
            var without = keep.Where(x => x != k).ToList();
            if (without.Count > 0 && order.Select(n => string.Join(" · ", without.Select(x => series[n].Keys[x]))).Distinct().Count() == order.Count) keep = without;
        }
        if (order.Count == 1 && keys.Length > 0) keep = [keep.Last()];
        var result = new List<DataSeries>();
        foreach (var n in order)
        {
            var keyName = string.Join(" · ", keep.Select(x => series[n].Keys[x]));
            for (var v = 0; v < values.Length; v++)
            {
                var name = values.Length == 1 ? (keys.Length == 0 ? values[v].Name : keyName)
                    : keyName.Length == 0 ? values[v].Name : $"{keyName} {values[v].Name}";
                result.Add(Gaps(name, series[n].X, series[n].Y[v]));
            }
        }
        return new SeriesData(result, fromMs, toMs) { Bucket = Span(p.Plan.Granularity, p.Plan.Zone) };
    }

    static BucketSpan? Span(Granularity g, TimeZoneInfo zone) => g.IsRaw ? null : g.TruncUnit switch
    {
        "day" => new BucketSpan(0, 1, 0, zone),
        "week" => new BucketSpan(0, 7, 0, zone),
        "month" => new BucketSpan(0, 0, 1, zone),
        _ => new BucketSpan(g.Approx.TotalMilliseconds, 0, 0, zone), // hours and fixed intervals are absolute
    };

    /// <summary>A stat's or gauge's number over all its series. With combine "all" (the default for aggregated
    /// queries) PostgreSQL recomputes the query's own aggregation over every series' points (the query with
    /// groupBy: []), then the series is reduced over time; a mean of averages is weighted by point counts, so it is
    /// the mean of all points. Otherwise the painter reduces each series and combines them (StatReducer).</summary>
    async Task<WidgetData> StatAsync(Guid owner, ExportRequest query, PreparedExport p, SeriesData data, WidgetOptions o, CancellationToken ct)
    {
        var drawn = data.Series.Count(x => x.Y.Any(v => !double.IsNaN(v)));
        var aggs = query.Aggregations is { Count: > 0 } a ? a : ["avg"];
        if (drawn == 0 || (o.Combine ?? "all") != "all" || p.Plan.Granularity.IsRaw || aggs.Count != 1 || query.Metrics is { Count: > 1 }) return data;
        var agg = Aggregation.Parse(aggs[0]);
        if (agg is null) return data;
        var weighted = o.Reduce == "mean" && agg.Kind == "avg";
        SeriesData combined;
        if (drawn == 1 && !weighted) combined = data with { Series = [data.Series.First(x => x.Y.Any(v => !double.IsNaN(v)))] };
        else
        {
            var all = query with { GroupBy = [], Aggregations = weighted ? [aggs[0], "count"] : aggs, Shape = "long", Columns = null };
            var (outcome, prepared, _) = await exports.PrepareAsync(owner, all, ct);
            if (outcome != PrepareOutcome.Ok || await SeriesAsync(prepared!, data.FromMs, data.ToMs, ct) is not SeriesData c
                || c.Series.Count != (weighted ? 2 : 1)) return data;
            combined = c;
        }
        var ys = combined.Series[0].Y;
        var idx = Enumerable.Range(0, ys.Length).Where(i => !double.IsNaN(ys[i])).ToArray();
        if (idx.Length == 0) return data;
        var gran = p.Plan.Granularity.Name;
        double value;
        string how;
        switch (o.Reduce)
        {
            case "mean" when weighted:
                var n = combined.Series[1].Y;
                value = idx.Sum(i => ys[i] * n[i]) / idx.Sum(i => n[i]);
                how = "mean of all points";
                break;
            case "mean" or "max" or "min" or "sum":
                value = StatReducer.Over(idx.Select(i => ys[i]).ToArray(), o.Reduce);
                how = o.Reduce is "mean" or "sum" ? $"{o.Reduce} of {gran} {agg.Name}" : $"{o.Reduce} {gran} {agg.Name}";
                break;
            default:
                var lastStart = combined.Series[0].X[idx[^1]];
                if (agg.Kind is "count" or "sum" && StatReducer.Earlier(data, lastStart) is not null)
                {
                    // The range's last bucket has no rows: its count or sum is 0, not the last bucket that had some.
                    value = 0; how = $"last {gran}: no rows";
                }
                else { value = ys[idx[^1]]; how = $"last {gran}" + StatReducer.Partial(data, lastStart) + StatReducer.Earlier(data, lastStart); }
                break;
        }
        var method = drawn > 1 ? $"{how} · {agg.Name} over all {drawn} series" : how;
        var first = o.Reduce == "last" ? ys[idx[0]] : (double?)null;
        return data with { Series = [combined.Series[0] with { Name = "all" }], Stat = new StatValue(value, first, method) };
    }

    /// <summary>Why a stat or gauge query cannot give one number (several metrics, aggregations or fields would be
    /// mixed into it), or null when it can.</summary>
    static string? OneNumber(PreparedExport p)
    {
        var values = p.Schema.Columns.Where(c => c.IsValue).Select(c => c.Name).ToList();
        if (values.Count > 1)
            return $"A stat or gauge shows one number, but this query gives {values.Count} value columns ({string.Join(", ", values)}): ask for one aggregation of one metric or field.";
        var metrics = p.Plan.Source.IsTimeseries ? p.Request.Metrics is { Count: > 0 } m ? m.Count : p.Plan.Source.Metrics.Count : 1;
        return metrics > 1 ? $"A stat or gauge shows one number, but this query reads {metrics} metrics: choose one." : null;
    }

    static string Key(RowBuffer row, OutputColumn k) => row.Nulls[k.Slot] ? "" : row.Strings[k.Slot] ?? "";

    /// <summary>Sorts a series by time and breaks it where points are missing: a step over 2.5 times the usual step.</summary>
    static DataSeries Gaps(string name, List<double> xs, List<double> ys)
    {
        var idx = Enumerable.Range(0, xs.Count).OrderBy(i => xs[i]).ToArray();
        var x = idx.Select(i => xs[i]).ToArray();
        var y = idx.Select(i => ys[i]).ToArray();
        if (x.Length < 3) return new DataSeries(name, x, y);
        var steps = new double[x.Length - 1];
        for (var i = 1; i < x.Length; i++) steps[i - 1] = x[i] - x[i - 1];
        Array.Sort(steps);
        var usual = steps[steps.Length / 2];
        var ox = new List<double>(x.Length);
        var oy = new List<double>(y.Length);
        for (var i = 0; i < x.Length; i++)
        {
            if (i > 0 && usual > 0 && x[i] - x[i - 1] > usual * 2.5) { ox.Add(x[i - 1] + usual); oy.Add(double.NaN); }
            ox.Add(x[i]); oy.Add(y[i]);
        }
        return new DataSeries(name, ox.ToArray(), oy.ToArray());
    }

    /// <summary>Up to <paramref name="maxRows"/> rows as text. Integer columns (counts, integer fields) print as
    /// integers; other numbers with options.decimals, else without decimals when the column holds only whole
    /// numbers, else up to 2.</summary>
    async Task<WidgetData> TableAsync(PreparedExport p, WidgetOptions o, TimeZoneInfo zone, int maxRows, CancellationToken ct)
    {
        var cols = p.Schema.Columns;
        var values = new List<object?[]>();
        var total = await exports.ReadAsync(p, maxRows, row =>
            values.Add(cols.Select(c => row.Nulls[c.Slot] ? null : c.Type switch
            {
                ColumnType.Time => (object)row.Times[c.Slot],
                ColumnType.Long => row.Longs[c.Slot],
                ColumnType.Double => row.Doubles[c.Slot],
                _ => row.Strings[c.Slot] ?? "",
            }).ToArray()), ct);
        var whole = cols.Select((c, j) => c.Type == ColumnType.Long ||
            c.Type == ColumnType.Double && values.All(r => r[j] is not double d || !double.IsFinite(d) || d == Math.Floor(d))).ToArray();
        var rows = values.Select(r => cols.Select((c, j) => r[j] switch
        {
            null => "",
            DateTime t => TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(t, DateTimeKind.Utc), zone).ToString("yyyy-MM-dd HH:mm", Inv),
            long l => l.ToString("N0", Inv),
            double d when !double.IsFinite(d) => "",
            double d => d.ToString(o.Decimals is { } n ? "N" + n : whole[j] ? "N0" : "#,##0.##", Inv),
            var v => (string)v,
        }).ToArray()).ToList();
        // ReadAsync counts on to 10x the rows it delivers, no further.
        return new TableData(cols.Select(c => c.Name).ToList(), cols.Select(c => c.Type is ColumnType.Double or ColumnType.Long).ToList(), rows, total)
            { TotalIsAtLeast = total >= maxRows * 10L };
    }
}
