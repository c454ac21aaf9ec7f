using System.Data;
using System.Text.Json;
using System.Text.RegularExpressions;
using Exports.Formats;
using Exports.Formats.Compression;
using Exports.Shared;
using Npgsql;

namespace Exports.Series;

/// <summary>A request that passed validation: everything needed to stream the file, decided before the first byte.</summary>
public sealed record PreparedExport(
    ExportRequest Request, QueryPlan Plan, ExportFormat Format, ExportSchema Schema,
    string Compression, string FileName, string MediaType);

/// <param name="EstimateKind">"exact", or "upper bound" (see <see cref="QueryPlan.EstimateKind"/>).</param>
/// <param name="RowsScanned">Stored rows the export reads (raw points, rollup buckets or records): its cost.</param>
/// <param name="Approximate">Aggregations whose values are approximate; empty when all are exact.</param>
public sealed record PreviewResult(
    IReadOnlyList<object> Columns, IReadOnlyList<object?[]> Rows, long EstimatedRows,
    IReadOnlyDictionary<string, long> EstimatedBytes, string Tier, string Granularity,
    DateTimeOffset From, DateTimeOffset To, string Timezone,
    string EstimateKind, long? RowsScanned, IReadOnlyList<string> Approximate, string Approximation)
{
    /// <summary>The name the file is saved under (the Content-Disposition name of the same request).</summary>
    public string FileName { get; init; } = "";
    /// <summary>Every series over the whole range, downsampled (when the preview asked for a chart width).</summary>
    public PreviewChart? Chart { get; init; }
    /// <summary>Why a chart that was asked for is not drawn (too much data to chart in a preview, or it took too
    /// long); null when it is, or was not asked for.</summary>
    public string? ChartUnavailable { get; init; }
}

/// <summary>The export's rows over the whole range, reduced to the minimum and maximum of each series in each of
/// <paramref name="Width"/> equal time columns from <paramref name="From"/> to <paramref name="To"/> (column i spans
/// From + i·(To−From)/Width; a bucket that starts before From counts in column 0). <paramref name="SeriesTotal"/>
/// counts every series; only the first <see cref="SeriesExports.ChartMaxSeries"/> are listed.</summary>
public sealed record PreviewChart(int Width, DateTimeOffset From, DateTimeOffset To, int SeriesTotal, IReadOnlyList<ChartSeries> Series);

/// <summary>One series: the columns it has values in, and its minimum and maximum in each.</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<int> Columns, IReadOnlyList<double?> Min, IReadOnlyList<double?> Max);

public enum PrepareOutcome { Ok, Invalid, SourceNotFound }

/// <summary>The first rows of an export and how many it has in all: what a size estimate scales up.</summary>
/// <param name="EstimateKind">"exact" when <paramref name="Rows"/> are all of them, else the plan's kind.</param>
public sealed record ExportSample(IReadOnlyList<RowBuffer> Rows, long EstimatedRows, string EstimateKind);

/// <summary>Validates, previews and streams series and records exports. Used by the export-series slice and
/// by anything that runs exports later (jobs, schedules).</summary>
public sealed partial class SeriesExports(NpgsqlDataSource db, PlannerLimits limits, TimeProvider clock)
{
    public async Task<(PrepareOutcome Outcome, PreparedExport? Export, Errors Errors)> PrepareAsync(
        Guid owner, ExportRequest req, CancellationToken ct)
    {
        var errors = new Errors();
        if (string.IsNullOrWhiteSpace(req.Source)) { errors.Add("source", "A source is required."); return (PrepareOutcome.Invalid, null, errors); }
        var formatName = string.IsNullOrWhiteSpace(req.Format) ? "csv" : req.Format.Trim().ToLowerInvariant();
        if (!FormatCatalog.All.TryGetValue(formatName, out var format))
            errors.Add("format", $"Unknown format '{req.Format}'. Use {string.Join(", ", FormatCatalog.All.Keys)}.");
        var compression = string.IsNullOrWhiteSpace(req.Compression) ? "none" : req.Compression.Trim().ToLowerInvariant();
        if (!Compressions.Names.Contains(compression))
            errors.Add("compression", "compression must be none, gzip, brotli or zstd.");
        if (req.FormatOptions is { } fo && fo.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
            errors.Add("formatOptions", "formatOptions must be an object.");
        if (req.Filename is { } fn && (fn.Length > 200 || FileNames.Sanitize(fn).Length == 0))
            errors.Add("filename", "The file name must have 1 to 200 characters, not only dots, slashes or control characters.");
        var chosen = format?.Parse(req.FormatOptions is { ValueKind: JsonValueKind.Object } ? req.FormatOptions : null, errors);

        var src = await SourceCatalog.LoadAsync(db, owner, req.Source.Trim(), ct);
        if (src is null) return (PrepareOutcome.SourceNotFound, null, errors);
        var now = clock.GetUtcNow();
        var plan = ExportPlanner.Plan(req with { Format = formatName }, src, now, limits, errors, seriesMajor: chosen?.SeriesMajor ?? false);
        if (plan is null || errors.Any || format is null || chosen is null) return (PrepareOutcome.Invalid, null, errors);

        var schema = new ExportSchema(plan.Columns, plan.Zone, Metadata(req, plan, now));
        chosen.Validate(schema, errors);
        if (errors.Any) return (PrepareOutcome.Invalid, null, errors);

        var packaging = chosen.Packaging;
        var ext = (packaging?.Extension ?? format.Extension) + Compressions.Extension(compression);
        var name = req.Filename is { Length: > 0 } custom ? FileNames.Sanitize(custom) : $"{src.Name}-{plan.RangeLabel}-{TimeZoneInfo.ConvertTime(now, plan.Zone):yyyy-MM-dd}";
        if (!name.EndsWith(ext, StringComparison.OrdinalIgnoreCase))
            name = (name.EndsWith(format.Extension, StringComparison.OrdinalIgnoreCase) ? name[..^format.Extension.Length] : name) + ext;
        var media = Compressions.MediaType(compression) ?? packaging?.MediaType ?? chosen.MediaType;
        return (PrepareOutcome.Ok, new PreparedExport(req, plan, chosen, schema, compression, name, media), errors);
    }

    static Dictionary<string, object?> Metadata(ExportRequest req, QueryPlan plan, DateTimeOffset now) => new()
    {
        ["source"] = plan.Source.Name,
        ["kind"] = plan.Source.Kind,
        ["tier"] = plan.Tier,
        ["approximate"] = plan.Approximate,
        ["approximation"] = plan.Approximation,
        ["granularity"] = plan.Granularity.Name,
        ["timezone"] = plan.Zone.Id,
        ["from"] = plan.From,
        ["to"] = plan.To,
        ["exportedAt"] = now,
        ["columns"] = plan.Columns.Select(c => new { name = c.Name, type = c.Type.ToString().ToLowerInvariant() }).ToList(),
        ["request"] = req,
    };

    /// <summary>Streams the export into <paramref name="output"/>; returns the number of rows written. Throws on
    /// any failure without finishing the file (no closing bracket, no compression trailer).</summary>
    public async Task<long> WriteAsync(PreparedExport p, Stream output, CancellationToken ct, Action<long>? progress = null)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var cmd = p.Plan.Command(conn);
        // No client-side limit on the query (Npgsql's default is 30 s to the first row): an aggregation over a large
        // range, or a wait on a lock, may take longer before its first row. A background export is bounded by
        // EXPORTS_JOB_TIMEOUT_SECONDS and a download by its client; both cancel the query through ct.
        cmd.CommandTimeout = 0;
        await using var reader = await cmd.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct);
        var row = new RowBuffer(p.Plan.AllColumns.Count);
        var compressed = Compressions.Wrap(p.Compression, output);
        var writer = p.Format.Create(p.Schema, compressed);
        try
        {
            await writer.BeginAsync(ct);
            long rows = 0;
            var mapper = p.Plan.Mapper;
            while (await reader.ReadAsync(ct))
            {
                mapper.Fill(reader, row);
                writer.Write(row);
                await writer.FlushIfFullAsync(ct);
                if ((++rows & 4095) == 0) progress?.Invoke(rows);
            }
            await writer.EndAsync(ct);
            await Compressions.FinishAsync(compressed, output, ct);
            return rows;
        }
        finally
        {
            if (writer is IAsyncDisposable d) await d.DisposeAsync();
        }
    }

    /// <summary>Reads the export's rows into a callback (for drawing them), at most <paramref name="maxRows"/>;
    /// returns how many rows the query has in all, counting on past the ones it delivered (up to 10x the limit).</summary>
    public async Task<long> ReadAsync(PreparedExport p, int maxRows, Action<RowBuffer> onRow, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var cmd = p.Plan.Command(conn, p.Plan.Sql + $"\nLIMIT {(long)maxRows * 10}");
        await using var reader = await cmd.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct);
        var row = new RowBuffer(p.Plan.AllColumns.Count);
        long n = 0;
        while (await reader.ReadAsync(ct))
        {
            if (n++ >= maxRows) continue;
            p.Plan.Mapper.Fill(reader, row);
            onRow(row);
        }
        return n;
    }

    /// <summary>Rows scanned to measure a row's size in each format when estimating a file's size.</summary>
    public const int EstimateSampleRows = 200;

    /// <summary>Rows and bytes the export will have: the planner's row estimate times the size of a sample of
    /// real rows written in the export's own format (before whole-file compression).</summary>
    public async Task<(long Rows, long Bytes)> EstimateAsync(PreparedExport p, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var sample = await SampleAsync(p, conn, EstimateSampleRows, ct);
        return (sample.EstimatedRows, await EstimateBytesAsync(p.Format, p.Schema, sample, ct));
    }

    /// <summary>The export's first <paramref name="limit"/> rows and how many rows it has: exactly the sample's
    /// count when the sample holds them all, else the planner's estimate (see <see cref="QueryPlan.EstimateKind"/>).</summary>
    internal async Task<ExportSample> SampleAsync(PreparedExport p, NpgsqlConnection conn, int limit, CancellationToken ct)
    {
        var rows = new List<RowBuffer>();
        await using (var cmd = p.Plan.Command(conn, p.Plan.Sql + $"\nLIMIT {limit}"))
        await using (var reader = await cmd.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct))
            while (await reader.ReadAsync(ct))
            {
                var row = new RowBuffer(p.Plan.AllColumns.Count);
                p.Plan.Mapper.Fill(reader, row);
                rows.Add(row);
            }
        if (rows.Count < limit) return new ExportSample(rows, rows.Count, "exact");
        if (p.Plan.EstimateSql is not { } est) return new ExportSample(rows, rows.Count, p.Plan.EstimateKind);
        await using var count = p.Plan.Command(conn, est);
        return new ExportSample(rows, Convert.ToInt64(await count.ExecuteScalarAsync(ct) ?? 0L), p.Plan.EstimateKind);
    }

    /// <summary>The size of the whole file in <paramref name="format"/>: the empty file plus the sample's bytes per
    /// row times the estimated rows. Throws what the format's writer throws (an option the schema cannot carry).</summary>
    internal static async Task<long> EstimateBytesAsync(ExportFormat format, ExportSchema schema, ExportSample sample, CancellationToken ct)
    {
        var empty = await MeasureAsync(format, schema, sample.Rows, 0, ct);
        if (sample.Rows.Count == 0) return empty;
        var full = await MeasureAsync(format, schema, sample.Rows, sample.Rows.Count, ct);
        var perRow = (double)(full - empty) / sample.Rows.Count;
        return empty + (long)Math.Round(perRow * sample.EstimatedRows);
    }

    static async Task<long> MeasureAsync(ExportFormat format, ExportSchema schema, IReadOnlyList<RowBuffer> rows, int n, CancellationToken ct)
    {
        var ms = new MemoryStream();
        var w = format.Create(schema, ms);
        try
        {
            await w.BeginAsync(ct);
            for (var i = 0; i < n; i++) w.Write(rows[i]);
            await w.EndAsync(ct);
        }
        finally { if (w is IAsyncDisposable d) await d.DisposeAsync(); }
        return ms.Length;
    }

    public const int ChartMinWidth = 16, ChartMaxWidth = 2000, ChartMaxSeries = 100;
    /// <summary>A preview charts an export only when it reads at most this many stored rows (or, when that is not
    /// known, produces at most this many); past it the chart is skipped with a reason.</summary>
    public const long ChartMaxRows = 5_000_000;
    /// <summary>The chart query's statement timeout: past it the chart is skipped with a reason.</summary>
    public static readonly TimeSpan ChartTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The SQL that reduces the export's query to min and max per series and pixel column, in SQL: the
    /// renderer's per-pixel downsampling, without reading every row into the service.</summary>
    public static string ChartSql(QueryPlan plan, int width)
    {
        var ch = plan.Chart;
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        // Exact decimal seconds (PostgreSQL's extract(epoch) is numeric), so a point on a column boundary lands in the
        // column it starts, as integer arithmetic on ticks says.
        var from = ((decimal)(plan.From.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerSecond).ToString(inv);
        var span = ((decimal)Math.Max(1, (plan.To - plan.From).Ticks) / TimeSpan.TicksPerSecond).ToString(inv);
        var cols = string.Join(", ", Enumerable.Range(0, ch.Count).Select(i => $"c{i}"));
        var keys = string.Concat(ch.Keys.Select(k => $", q.c{k}"));
        var values = string.Concat(ch.Values.Select(v => $", min(q.c{v.Column})::float8, max(q.c{v.Column})::float8"));
        var px = $"greatest(0, least({width - 1}, floor((extract(epoch FROM q.c0) - {from}::numeric) * {width} / {span}::numeric)))::int";
        var groupKeys = string.Concat(ch.Keys.Select((_, i) => $", {i + 2}"));
        if (ch.Keys.Count == 0)
            return $"SELECT {px}{values}, 1::bigint\nFROM ({plan.Sql}) q({cols})\nGROUP BY 1\nORDER BY 1";
        // Only the first series (in key order) are sent: the keys are ranked in SQL and those past the cap dropped there,
        // with their total counted beside them (the last column), so a high-cardinality groupBy sends a bounded answer.
        var named = string.Concat(ch.Keys.Select((k, i) => $", q.c{k} AS k{i}"));
        var aggs = string.Concat(ch.Values.Select((v, i) => $", min(q.c{v.Column})::float8 AS mn{i}, max(q.c{v.Column})::float8 AS mx{i}"));
        var kcols = string.Join(", ", ch.Keys.Select((_, i) => $"k{i}"));
        var gcols = string.Concat(ch.Keys.Select((_, i) => $", g.k{i}")) + string.Concat(ch.Values.Select((_, i) => $", g.mn{i}, g.mx{i}"));
        var join = string.Join(" AND ", ch.Keys.Select((_, i) => $"g.k{i} IS NOT DISTINCT FROM k.k{i}"));
        var keep = (ChartMaxSeries + ch.Values.Count - 1) / Math.Max(1, ch.Values.Count);
        return $"""
            WITH g AS (SELECT {px} AS px{named}{aggs} FROM ({plan.Sql}) q({cols}) GROUP BY 1{groupKeys}),
            k AS (SELECT {kcols}, row_number() OVER (ORDER BY {kcols}) AS r, count(*) OVER () AS n FROM (SELECT DISTINCT {kcols} FROM g) d)
            SELECT g.px{gcols}, k.n FROM g JOIN k ON {join}
            WHERE k.r <= {keep}
            ORDER BY k.r, g.px
            """;
    }

    /// <summary>Every series of the export over its whole range as min/max per pixel column (see <see cref="PreviewChart"/>).</summary>
    public async Task<PreviewChart> ChartAsync(PreparedExport p, int width, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await ChartAsync(p, width, conn, ct);
    }

    /// <summary>The chart on a connection the caller holds (the preview's: one connection per preview).</summary>
    public async Task<PreviewChart> ChartAsync(PreparedExport p, int width, NpgsqlConnection conn, CancellationToken ct)
    {
        var ch = p.Plan.Chart;
        await using var cmd = p.Plan.Command(conn, ChartSql(p.Plan, width));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var total = 0;
        long keyed = -1;
        string? lastKey = null;
        var lists = new Dictionary<string, (List<int> C, List<double?> Min, List<double?> Max)>[ch.Values.Count];
        var order = new List<(string Key, int Value, object?[] Keys)>();
        var current = new List<(List<int> C, List<double?> Min, List<double?> Max)?>();
        while (await reader.ReadAsync(ct))
        {
            var col = reader.GetInt32(0);
            if (ch.Keys.Count > 0) keyed = reader.GetInt64(1 + ch.Keys.Count + 2 * ch.Values.Count);
            var keys = new object?[ch.Keys.Count];
            for (var k = 0; k < keys.Length; k++) keys[k] = reader.IsDBNull(1 + k) ? null : reader.GetValue(1 + k);
            var key = string.Join("\u001f", keys.Select(x => x?.ToString() ?? "\u0000"));
            if (key != lastKey)
            {
                lastKey = key;
                current.Clear();
                for (var v = 0; v < ch.Values.Count; v++)
                {
                    if (total >= ChartMaxSeries) { current.Add(null); total++; continue; }
                    total++;
                    var entry = (new List<int>(), new List<double?>(), new List<double?>());
                    order.Add((key, v, keys));
                    current.Add(entry);
                    (lists[v] ??= [])[key] = entry;
                }
            }
            for (var v = 0; v < ch.Values.Count; v++)
            {
                var c0 = 1 + ch.Keys.Count + 2 * v;
                if (current[v] is not { } e || reader.IsDBNull(c0)) continue;
                double? Finite(int i) => reader.GetDouble(i) is var d && double.IsFinite(d) ? d : null;
                e.C.Add(col); e.Min.Add(Finite(c0)); e.Max.Add(Finite(c0 + 1));
            }
        }
        var result = order.Select(o =>
        {
            var e = lists[o.Value][o.Key];
            return new ChartSeries(ch.Label(o.Keys, ch.Values[o.Value].Name), e.C, e.Min, e.Max);
        }).ToList();
        // Series past the cap were dropped in SQL: the total is what SQL counted.
        if (keyed >= 0) total = (int)Math.Min(int.MaxValue, keyed * ch.Values.Count);
        return new PreviewChart(width, p.Plan.From, p.Plan.To, total, result);
    }

    public async Task<PreviewResult> PreviewAsync(PreparedExport p, int limit, CancellationToken ct, int? chartWidth = null, long chartMaxRows = ChartMaxRows)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var sample = await SampleAsync(p, conn, limit, ct);
        var (snapshots, estimate, kind) = (sample.Rows, sample.EstimatedRows, sample.EstimateKind);
        long? scanned = null;
        if (p.Plan.ScanSql is { } scan)
        {
            await using var cmd = p.Plan.Command(conn, scan);
            scanned = Convert.ToInt64(await cmd.ExecuteScalarAsync(ct) ?? 0L);
        }

        var bytes = new Dictionary<string, long>();
        foreach (var f in FormatCatalog.All.Values)
        {
            var chosen = f == p.Format.Spec ? p.Format : f.Parse(null, new Errors());
            try { bytes[f.Name] = await EstimateBytesAsync(chosen, p.Schema, sample, ct); }
            catch (InvalidOperationException) { }
        }

        var columns = p.Plan.Columns.Select(c => (object)new { name = c.Name, type = c.Type.ToString().ToLowerInvariant() }).ToList();
        var rows = snapshots.Select(r => p.Plan.Columns.Select(c => r.Nulls[c.Slot] ? null : c.Type switch
        {
            ColumnType.Time => (object)TimeZoneInfo.ConvertTime(new DateTimeOffset(r.Times[c.Slot], TimeSpan.Zero), p.Plan.Zone),
            ColumnType.String => r.Strings[c.Slot],
            ColumnType.Long => r.Longs[c.Slot],
            _ => double.IsFinite(r.Doubles[c.Slot]) ? r.Doubles[c.Slot] : null,
        }).ToArray()).ToList();
        PreviewChart? chart = null;
        string? unavailable = null;
        if (chartWidth is { } w)
        {
            var cost = scanned ?? estimate;
            if (cost > chartMaxRows)
                unavailable = $"No chart: this export reads about {cost:N0} rows, more than the {chartMaxRows:N0} a preview charts. Narrow the range or use a coarser granularity to see it.";
            else
                (chart, unavailable) = await BoundedChartAsync(p, w, conn, ct);
        }
        return new PreviewResult(columns, rows, estimate, bytes, p.Plan.Tier, p.Plan.Granularity.Name,
            p.Plan.From, p.Plan.To, p.Plan.Zone.Id, kind, scanned, p.Plan.Approximate, p.Plan.Approximation)
        {
            FileName = p.FileName,
            Chart = chart,
            ChartUnavailable = unavailable,
        };
    }

    /// <summary>The chart under <see cref="ChartTimeout"/> (a statement timeout local to its transaction): a chart that
    /// takes longer is skipped with the reason, never an error.</summary>
    async Task<(PreviewChart?, string?)> BoundedChartAsync(PreparedExport p, int width, NpgsqlConnection conn, CancellationToken ct)
    {
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var set = new NpgsqlCommand($"SET LOCAL statement_timeout = {(int)ChartTimeout.TotalMilliseconds}", conn, tx))
            await set.ExecuteNonQueryAsync(ct);
        try
        {
            var chart = await ChartAsync(p, width, conn, ct);
            await tx.CommitAsync(ct);
            return (chart, null);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.QueryCanceled && !ct.IsCancellationRequested)
        {
            return (null, $"No chart: drawing it took longer than the {ChartTimeout.TotalSeconds:N0} s a preview allows. Narrow the range or use a coarser granularity to see it.");
        }
    }
}
