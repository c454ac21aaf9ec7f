using System.Globalization;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.ExportSeries;

/// <summary>The Excel PivotTable as a spreadsheet computes it: LibreOffice opens the workbook and builds the table
/// from the Data sheet (the pivot cache stores no records and the sheet no output cells, so every number read here
/// was computed by LibreOffice), and each cell, row total, column total and grand total is compared with SQL on the
/// raw points.</summary>
[Collection(ApiCollection.Name)]
public sealed class SeriesExcelPivotTableTests(ApiFixture api) : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("office-pt-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    const string Where = $"{ApiFixture.DemoServers} AND s.metric = ANY($3) AND s.tags->>'server' IN ('web-01', 'db-01') AND p.ts >= $1 AND p.ts < $2";

    [Theory]
    [InlineData("sum", "sum(p.value)", 2)]
    [InlineData("count", "count(p.value)", 2)]
    [InlineData("min", "min(p.value)", 2)]
    [InlineData("max", "max(p.value)", 2)]
    [InlineData("avg", "avg(p.value)", 2)]
    [InlineData("sum", "sum(p.value)", 1)]
    [InlineData("max", "max(p.value)", 1)]
    [InlineData("avg", "avg(p.value)", 1)]
    public async Task PivotTable_LibreOffice_computes_matches_SQL_on_the_raw_points(string aggregation, string sql, int metricCount)
    {
        var metrics = new[] { "cpu_percent", "load_avg" }[..metricCount];
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromHours(5));
        var r = await api.Demo().PostJsonAsync("/api/v1/exports/series", new
        {
            source = "servers", metrics, granularity = "1h", groupBy = new[] { "server" },
            aggregations = new[] { aggregation, "p95" }, timezone = "UTC", format = "xlsx",
            filter = new { field = "server", op = "in", value = new[] { "web-01", "db-01" } },
            timeframe = new { from = from.ToString("O"), to = to.ToString("O") },
        });
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        var path = Path.Combine(_dir, $"{aggregation}-{metricCount}.xlsx");
        await File.WriteAllBytesAsync(path, await r.Content.ReadAsByteArrayAsync());

        var table = PivotOutput(Files.ReadCsvRows(LibreOffice.SheetsAsCsv(path, asShown: false)["PivotTable"]));
        Task<List<object?[]>> Sql(string query) => api.RowsAsync(query, from, to, metrics);
        var cells = await Sql($"SELECT s.metric, s.tags->>'server', date_trunc('hour', p.ts, 'UTC'), {sql} FROM points p JOIN series s ON s.id = p.series_id WHERE {Where} GROUP BY 1, 2, 3");
        var hours = cells.Select(c => (DateTime)c[2]!).Distinct().Order().ToList();
        Assert.Equal(hours, table.Times);
        Assert.Equal(2 * metricCount, table.Cells.Count);
        Assert.Equal(cells.Count, table.Cells.Values.Sum(v => v.Count(x => x is not null)));
        foreach (var c in cells)
        {
            var got = table.Cells[((string)c[0]!, (string)c[1]!)][hours.IndexOf((DateTime)c[2]!)];
            Close(Convert.ToDouble(c[3], CultureInfo.InvariantCulture), got, $"{c[0]} {c[1]} {c[2]:O}");
        }
        if (aggregation == "avg")
        {
            // An average of hourly averages is not the average of the points: no totals are shown for avg.
            Assert.Empty(table.RowTotals);
            Assert.Null(table.ColumnTotals);
            Assert.Empty(table.Subtotals);
            return;
        }
        if (metricCount > 1)
        {
            // No total across metrics (cpu_percent + load_avg measures nothing): a subtotal per metric and hour instead.
            Assert.Empty(table.RowTotals);
            Assert.Null(table.ColumnTotals);
            Assert.Equal(metrics, table.Subtotals.Keys);
            var perMetric = await Sql($"SELECT s.metric, date_trunc('hour', p.ts, 'UTC'), {sql} FROM points p JOIN series s ON s.id = p.series_id WHERE {Where} GROUP BY 1, 2");
            Assert.Equal(perMetric.Count, table.Subtotals.Values.Sum(v => v.Count(x => x is not null)));
            foreach (var m in perMetric)
                Close(Convert.ToDouble(m[2], CultureInfo.InvariantCulture), table.Subtotals[(string)m[0]!][hours.IndexOf((DateTime)m[1]!)], $"subtotal of {m[0]} {m[1]:O}");
            return;
        }
        Assert.Empty(table.Subtotals);
        foreach (var s in await Sql($"SELECT s.metric, s.tags->>'server', {sql} FROM points p JOIN series s ON s.id = p.series_id WHERE {Where} GROUP BY 1, 2"))
            Close(Convert.ToDouble(s[2], CultureInfo.InvariantCulture), table.RowTotals[((string)s[0]!, (string)s[1]!)], $"total of {s[0]} {s[1]}");
        foreach (var h in await Sql($"SELECT date_trunc('hour', p.ts, 'UTC'), {sql} FROM points p JOIN series s ON s.id = p.series_id WHERE {Where} GROUP BY 1"))
            Close(Convert.ToDouble(h[1], CultureInfo.InvariantCulture), table.ColumnTotals![hours.IndexOf((DateTime)h[0]!)], $"total of {h[0]:O}");
        var all = (await Sql($"SELECT {sql} FROM points p JOIN series s ON s.id = p.series_id WHERE {Where}")).Single()[0];
        Close(Convert.ToDouble(all, CultureInfo.InvariantCulture), table.ColumnTotals![^1], "grand total");
    }

    static void Close(double expected, double? got, string what) =>
        Assert.True(got is { } g && Math.Abs(expected - g) <= 1e-9 * Math.Max(1, Math.Abs(expected)), $"{what}: pivot {got}, SQL {expected}");

    sealed record Output(List<DateTime> Times, Dictionary<(string, string), double?[]> Cells, Dictionary<(string, string), double> RowTotals,
        double?[]? ColumnTotals, Dictionary<string, double?[]> Subtotals);

    /// <summary>The table as LibreOffice lays it out: a header row "metric, server, time…[, Total Result]", one row per
    /// series (the metric written on its first row only), "&lt;metric&gt; Result" after a metric's series when it has a
    /// subtotal, then "Total Result" when totals are on.</summary>
    static Output PivotOutput(List<string[]> rows)
    {
        var dump = string.Join("\n", rows.Select(r => string.Join(",", r)));
        var head = rows.FindIndex(r => r.Length > 2 && r[0] == "metric" && r[1] == "server");
        Assert.True(head > 0, "no pivot header row in:\n" + dump);
        var header = rows[head].Skip(2).TakeWhile(h => h.Length > 0).ToList();
        var withTotals = header[^1] == "Total Result";
        var times = header.Take(header.Count - (withTotals ? 1 : 0))
            .Select(h => DateTime.ParseExact(h, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).ToList();
        double? Num(string s) => s.Length == 0 ? null : double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);
        var cells = new Dictionary<(string, string), double?[]>();
        var totals = new Dictionary<(string, string), double>();
        var subtotals = new Dictionary<string, double?[]>();
        double?[]? columnTotals = null;
        var metric = "";
        foreach (var r in rows.Skip(head + 1))
        {
            if (r.Length == 0 || r.All(x => x.Length == 0)) break;
            var values = r.Skip(2).Take(header.Count).Select(Num).ToArray();
            // Nothing past the header's columns: a total column the header does not name would go unchecked.
            Assert.True(r.Skip(2 + header.Count).All(x => x.Length == 0), dump);
            if (r[0] == "Total Result") { columnTotals = values; break; }
            if (r[0].EndsWith(" Result", StringComparison.Ordinal)) { subtotals[r[0][..^" Result".Length]] = values; continue; }
            if (r[0].Length > 0) metric = r[0];
            cells[(metric, r[1])] = values.Take(times.Count).ToArray();
            if (withTotals) totals[(metric, r[1])] = values[^1]!.Value;
        }
        Assert.DoesNotContain(rows.Skip(head + 1), r => r.Any(x => x.Contains("Total", StringComparison.Ordinal)) && r[0] != "Total Result");
        return new Output(times, cells, totals, columnTotals, subtotals);
    }
}
