using System.Globalization;
using Exports.Formats;
using Exports.Rendering;
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
            return w.Type == "table" ? Make(await TableAsync(p, options, s.Zone, s.Format == "pdf" ? limits.PdfTableRows : options.MaxRows, ct)) : Make(await SeriesAsync(p, wf, wt, ct));
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
        {
            return Make(new ErrorData(e.Message));
        }
    }

    async Task<WidgetData> SeriesAsync(PreparedExport p, double fromMs, double toMs, CancellationToken ct)
    {
        var cols = p.Schema.Columns;
        var time = cols.FirstOrDefault(c => c.Type == ColumnType.Time);
        var value = cols.FirstOrDefault(c => !c.IsKey && c.Type is ColumnType.Double or ColumnType.Long);
        if (time is null || value is null) return new ErrorData("The query has no time and numeric columns to draw.");
        var keys = cols.Where(c => c.IsKey && c.Type == ColumnType.String).ToArray();
        var series = new Dictionary<string, (List<double> X, List<double> Y, string[] Keys)>(StringComparer.Ordinal);
        var order = new List<string>();
        string? lastName = null;
        (List<double> X, List<double> Y, string[] Keys) current = default;
        await exports.ReadAsync(p, MaxPointsPerWidget, row =>
        {
            var name = keys.Length == 0 ? value.Name : keys.Length == 1 ? Key(row, keys[0]) : string.Join("\u0001", keys.Select(k => Key(row, k)));
            if (name != lastName)
            {
                if (!series.TryGetValue(name, out current))
                {
                    series[name] = current = ([], [], keys.Select(k => Key(row, k)).ToArray());
                    order.Add(name);
                }
                lastName = name;
            }
            current.X.Add((row.Times[time.Slot] - DateTime.UnixEpoch).TotalMilliseconds);
            current.Y.Add(row.Nulls[value.Slot] ? double.NaN : value.Type == ColumnType.Long ? row.Longs[value.Slot] : row.Doubles[value.Slot]);
        }, ct);
        // Name series by the fewest keys that still tell them apart (web-01 rather than eu-west · cpu_percent · web-01).
        var keep = Enumerable.Range(0, keys.Length).ToList();
        foreach (var k in Enumerable.Range(0, keys.Length).OrderBy(k => keys[k].Name == "server" ? 1 : 0))
        {
            var without = keep.Where(x => x != k).ToList();
            if (without.Count > 0 && order.Select(n => string.Join(" · ", without.Select(x => series[n].Keys[x]))).Distinct().Count() == order.Count) keep = without;
        }
        if (order.Count == 1 && keys.Length > 0) keep = [keep.Last()];
        var result = order.Select(n => Gaps(keys.Length == 0 ? n : string.Join(" · ", keep.Select(x => series[n].Keys[x])), series[n].X, series[n].Y)).ToList();
        return new SeriesData(result, fromMs, toMs);
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
