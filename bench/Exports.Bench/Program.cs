// The writers alone, rows already in memory (Parquet) or generated on the fly (Excel), timed in-process.
// Called by bench/run.mjs, which measures the peers (DuckDB, exceljs) on the same rows in the same run.
//   dotnet Exports.Bench.dll parquet ROWS CODEC OUT.parquet [ROWS.csv]
//   dotnet Exports.Bench.dll xlsx ROWS OUT.xlsx
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Exports.Formats;
using Exports.Formats.Excel;
using Exports.Formats.Parquet;

var mode = args[0];
var rows = int.Parse(args[1], CultureInfo.InvariantCulture);
var schema = new ExportSchema(
    [
        new OutputColumn("time", ColumnType.Time, 0, IsKey: true),
        new OutputColumn("metric", ColumnType.String, 1, IsKey: true),
        new OutputColumn("server", ColumnType.String, 2, IsKey: true),
        new OutputColumn("value", ColumnType.Double, 3),
    ],
    TimeZoneInfo.Utc, new Dictionary<string, object?> { ["source"] = "bench" });

if (mode == "profile")
{
    // dotnet Exports.Bench.dll profile 0 DATA.json: each widget drawn alone (PNG), to see where a render's time goes.
    var doc = BenchDocument.Load(args[2]);
    Exports.Rendering.LayoutRenderer.Png(doc);
    foreach (var w in doc.Widgets)
    {
        var one = doc with { Widgets = [w] };
        Exports.Rendering.LayoutRenderer.Png(one);
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < 5; i++) Exports.Rendering.LayoutRenderer.Png(one);
        Console.WriteLine($"{w.Id} {w.Type}: {sw.Elapsed.TotalMilliseconds / 5:F1} ms");
    }
    var empty = doc with { Widgets = [] };
    var e = Stopwatch.StartNew();
    for (var i = 0; i < 5; i++) Exports.Rendering.LayoutRenderer.Png(empty);
    Console.WriteLine($"empty page: {e.Elapsed.TotalMilliseconds / 5:F1} ms");
    return;
}
if (mode == "render")
{
    // dotnet Exports.Bench.dll render 0 DATA.json RUNS OUTDIR: the native renderer on the data the Chromium peer draws,
    // in a running service's steady state: 20 warm-up renders first, so tiered JIT has compiled the hot paths (the
    // Chromium peer's warm figure likewise reuses a launched browser).
    var doc = BenchDocument.Load(args[2]);
    var runs = int.Parse(args[3], CultureInfo.InvariantCulture);
    var outDir = args[4];
    double Time(Func<byte[]> draw, string file)
    {
        File.WriteAllBytes(Path.Combine(outDir, file), draw()); // the file to look at
        for (var i = 0; i < 20; i++) draw();
        var times = new List<double>();
        for (var i = 0; i < runs; i++) { var sw = Stopwatch.StartNew(); draw(); times.Add(sw.Elapsed.TotalMilliseconds); }
        times.Sort();
        return times[times.Count / 2];
    }
    var png = Time(() => Exports.Rendering.LayoutRenderer.Png(doc), "native.png");
    var pdf = Time(() => Exports.Rendering.LayoutRenderer.Pdf(doc, "bench").Pdf, "native.pdf");
    Console.WriteLine(JsonSerializer.Serialize(new
    {
        pngMs = png, pdfMs = pdf, peakRssMB = Proc("VmHWM") / 1e6,
        pngBytes = new FileInfo(Path.Combine(outDir, "native.png")).Length, pdfBytes = new FileInfo(Path.Combine(outDir, "native.pdf")).Length,
    }));
    return;
}
if (mode == "parquet")
{
    var data = BenchRows.InMemory(rows);
    if (args.Length > 4) data.WriteCsv(args[4]);
    var options = new ParquetOptions { Compression = args[2] };
    Measure(args[3], out_ => new ParquetRowWriter(schema, out_, options), data.Fill, rows, warmup: true);
}
else
{
    BenchRows._generatedRows = rows;
    Measure(args[2], out_ => new XlsxRowWriter(schema, out_, new ExcelOptions()), BenchRows.Generated, rows, warmup: false);
}

static void Measure(string path, Func<Stream, IRowWriter> create, Action<int, RowBuffer> fill, int rows, bool warmup)
{
    if (warmup) Run(path, create, fill, Math.Min(rows, 200_000));
    GC.Collect();
    var baseline = Proc("VmRSS");
    var sw = Stopwatch.StartNew();
    Run(path, create, fill, rows);
    sw.Stop();
    var peak = Proc("VmHWM");
    Console.WriteLine(JsonSerializer.Serialize(new { ms = sw.Elapsed.TotalMilliseconds, bytes = new FileInfo(path).Length, growth = Math.Max(0, peak - baseline), rows, allocated = GC.GetTotalAllocatedBytes(), heap = GC.GetGCMemoryInfo().HeapSizeBytes }));
}

static void Run(string path, Func<Stream, IRowWriter> create, Action<int, RowBuffer> fill, int rows)
{
    using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
    var w = create(file);
    var row = new RowBuffer(4);
    w.BeginAsync(default).AsTask().GetAwaiter().GetResult();
    for (var i = 0; i < rows; i++)
    {
        fill(i, row);
        w.Write(row);
        var f = w.FlushIfFullAsync(default);
        if (!f.IsCompletedSuccessfully) f.AsTask().GetAwaiter().GetResult();
    }
    w.EndAsync(default).AsTask().GetAwaiter().GetResult();
    if (w is IAsyncDisposable d) d.DisposeAsync().AsTask().GetAwaiter().GetResult();
}

static long Proc(string field) =>
    long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":"))
        .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;

/// <summary>Long-form metrics like the demo servers: 5 metrics × 10 servers, one point a minute, ordered by
/// series then time; values a deterministic random walk with two decimals.</summary>
sealed class BenchRows
{
    public static readonly string[] Metrics = ["cpu_percent", "disk_percent", "load_avg", "memory_percent", "net_in_mbps"];
    public static readonly string[] Servers = Enumerable.Range(1, 10).Select(i => $"{(i <= 5 ? "web" : "db")}-{i:00}").ToArray();
    static readonly DateTime T0 = new(2026, 10, 1, 0, 0, 0, DateTimeKind.Utc);

    DateTime[] _t = []; int[] _series = []; double[] _v = [];

    static (DateTime, int, double) At(int i, int rows)
    {
        var perSeries = Math.Max(1, rows / 50);
        var s = Math.Min(49, i / perSeries);
        var k = i - s * perSeries;
        var x = (uint)(i * 2654435761u);
        var v = Math.Round(40 + 30 * Math.Sin(k / 240.0 + s) + (x % 1000) / 100.0, 2);
        return (T0.AddMinutes(k), s, v);
    }

    public static BenchRows InMemory(int rows)
    {
        var b = new BenchRows { _t = new DateTime[rows], _series = new int[rows], _v = new double[rows] };
        for (var i = 0; i < rows; i++) (b._t[i], b._series[i], b._v[i]) = At(i, rows);
        return b;
    }

    public void Fill(int i, RowBuffer r)
    {
        r.Times[0] = _t[i]; r.Strings[1] = Metrics[_series[i] / 10]; r.Strings[2] = Servers[_series[i] % 10]; r.Doubles[3] = _v[i];
    }

    public static int _generatedRows = 1_000_000;

    public static void Generated(int i, RowBuffer r)
    {
        var (t, s, v) = At(i, _generatedRows);
        r.Times[0] = t; r.Strings[1] = Metrics[s / 10]; r.Strings[2] = Servers[s % 10]; r.Doubles[3] = v;
    }

    public void WriteCsv(string path)
    {
        using var w = new StreamWriter(path);
        w.WriteLine("time,metric,server,value");
        for (var i = 0; i < _t.Length; i++)
            w.WriteLine($"{_t[i]:yyyy-MM-dd HH:mm:ss}+00,{Metrics[_series[i] / 10]},{Servers[_series[i] % 10]},{_v[i].ToString("R", CultureInfo.InvariantCulture)}");
    }
}
