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

    const string Where = $"{ApiFixture.DemoServers} AND s.metric IN ('cpu_percent', 'load_avg') AND s.tags->>'server' IN ('web-01', 'db-01') AND p.ts >= $1 AND p.ts < $2";

    [Theory]
    [InlineData("sum", "sum(p.value)", true)]
    [InlineData("count", "count(p.value)", true)]
    [InlineData("min", "min(p.value)", true)]
    [InlineData("max", "max(p.value)", true)]
    [InlineData("avg", "avg(p.value)", false)]
    public async Task PivotTable_LibreOffice_computes_matches_SQL_on_the_raw_points(string aggregation, string sql, bool totals)
    {
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromHours(5));
        var r = await api.Demo().PostJsonAsync("/api/v1/exports/series", new
        {
            source = "servers", metrics = new[] { "cpu_percent", "load_avg" }, granularity = "1h", groupBy = new[] { "server" },
            aggregations = new[] { aggregation, "p95" }, timezone = "UTC", format = "xlsx",
            filter = new { field = "server", op = "in", value = new[] { "web-01", "db-01" } },
            timeframe = new { from = from.ToString("O"), to = to.ToString("O") },
        });
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        var path = Path.Combine(_dir, $"{aggregation}.xlsx");
        await File.WriteAllBytesAsync(path, await r.Content.ReadAsByteArrayAsync());

        var table = PivotOutput(Files.ReadCsvRows(LibreOffice.SheetsAsCsv(path, asShown: false)["PivotTable"]));
        var cells = await api.RowsAsync($"SELECT s.metric, s.tags->>'server', date_trunc('hour', p.ts, 'UTC'), {sql} FROM points p JOIN series s ON s.id = p.series_id WHERE {Where} GROUP BY 1, 2, 3", from, to);
        var hours = cells.Select(c => (DateTime)c[2]!).Distinct().Order().ToList();
        Assert.Equal(hours, table.Times);
        Assert.Equal(4, table.Cells.Count);
        Assert.Equal(cells.Count, table.Cells.Values.Sum(v => v.Count(x => x is not null)));
        foreach (var c in cells)
        {
            var got = table.Cells[((string)c[0]!, (string)c[1]!)][hours.IndexOf((DateTime)c[2]!)];
            Close(Convert.ToDouble(c[3], CultureInfo.InvariantCulture), got, $"{c[0]} {c[1]} {c[2]:O}");
        }
        if (!totals)
        {
            // An average of hourly averages is not the average of the points: no totals are shown for avg.
            Assert.Empty(table.RowTotals);
            Assert.Null(table.ColumnTotals);
            return;
        }
        foreach (var s in await api.RowsAsync($"SELECT s.metric, s.tags->>'server', {sql} FROM points p JOIN series s ON s.id = p.series_id WHERE {Where} GROUP BY 1, 2", from, to))
            Close(Convert.ToDouble(s[2], CultureInfo.InvariantCulture), table.RowTotals[((string)s[0]!, (string)s[1]!)], $"total of {s[0]} {s[1]}");
        foreach (var h in await api.RowsAsync($"SELECT date_trunc('hour', p.ts, 'UTC'), {sql} FROM points p JOIN series s ON s.id = p.series_id WHERE {Where} GROUP BY 1", from, to))
            Close(Convert.ToDouble(h[1], CultureInfo.InvariantCulture), table.ColumnTotals![hours.IndexOf((DateTime)h[0]!)], $"total of {h[0]:O}");
        var all = await api.ScalarAsync<object>($"SELECT {sql} FROM points p JOIN series s ON s.id = p.series_id WHERE {Where}", from, to);
        Close(Convert.ToDouble(all, CultureInfo.InvariantCulture), table.ColumnTotals![^1], "grand total");
    }

    static void Close(double expected, double? got, string what) =>
        Assert.True(got is { } g && Math.Abs(expected - g) <= 1e-9 * Math.Max(1, Math.Abs(expected)), $"{what}: pivot {got}, SQL {expected}");

    sealed record Output(List<DateTime> Times, Dictionary<(string, string), double?[]> Cells, Dictionary<(string, string), double> RowTotals, double?[]? ColumnTotals);

    /// <summary>The table as LibreOffice lays it out: a header row "metric, server, time…[, Total Result]", one row per
    /// series (the metric written on its first row only), then "Total Result" when totals are on.</summary>
    static Output PivotOutput(List<string[]> rows)
    {
        var head = rows.FindIndex(r => r.Length > 2 && r[0] == "metric" && r[1] == "server");
        Assert.True(head > 0, "no pivot header row in:\n" + string.Join("\n", rows.Select(r => string.Join(",", r))));
        var header = rows[head].Skip(2).TakeWhile(h => h.Length > 0).ToList();
        var withTotals = header[^1] == "Total Result";
        var times = header.Take(header.Count - (withTotals ? 1 : 0))
            .Select(h => DateTime.ParseExact(h, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).ToList();
        double? Num(string s) => s.Length == 0 ? null : double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);
        var cells = new Dictionary<(string, string), double?[]>();
        var totals = new Dictionary<(string, string), double>();
        double?[]? columnTotals = null;
        var metric = "";
        foreach (var r in rows.Skip(head + 1))
        {
            if (r.Length == 0 || r.All(x => x.Length == 0)) break;
            var values = r.Skip(2).Take(header.Count).Select(Num).ToArray();
            if (r[0] == "Total Result") { columnTotals = values; break; }
            if (r[0].Length > 0) metric = r[0];
            cells[(metric, r[1])] = values.Take(times.Count).ToArray();
            if (withTotals) totals[(metric, r[1])] = values[^1]!.Value;
        }
        return new Output(times, cells, totals, columnTotals);
    }
}
