using System.IO.Compression;
using System.Xml.Linq;
using Exports.Formats;
using Exports.Formats.Excel;

namespace Exports.Tests.Formats.Excel;

/// <summary>How the workbook's chart puts series on axes and charts, read from the chart parts it writes.</summary>
public sealed class XlsxChartTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("xlsx-chart-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static readonly XNamespace C = "http://schemas.openxmlformats.org/drawingml/2006/chart", A = "http://schemas.openxmlformats.org/drawingml/2006/main";
    static readonly DateTime T0 = new(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);

    async Task<List<XDocument>> ChartsAsync(ExportSchema schema, int rows, Action<RowBuffer, int> fill)
    {
        var path = Path.Combine(_dir, $"{Guid.NewGuid():N}.xlsx");
        await using (var file = File.Create(path))
        await using (var w = new XlsxRowWriter(schema, file, new ExcelOptions { Summary = false }))
        {
            var buf = new RowBuffer(schema.Slots);
            await w.BeginAsync(default);
            for (var i = 0; i < rows; i++) { fill(buf, i); w.Write(buf); }
            await w.EndAsync(default);
        }
        using var zip = ZipFile.OpenRead(path);
        return zip.Entries.Where(e => e.FullName.StartsWith("xl/charts/chart")).OrderBy(e => e.FullName.Length).ThenBy(e => e.FullName)
            .Select(e => XDocument.Load(e.Open())).ToList();
    }

    static List<List<string>> AxisTitles(XDocument chart) => chart.Descendants(C + "valAx")
        .Select(v => v.Element(C + "title")!.Descendants(A + "t").Select(t => t.Value).ToList()).ToList();

    [Fact]
    public async Task Three_metrics_make_three_charts_each_on_its_own_scale()
    {
        var schema = new ExportSchema(
            [new("time", ColumnType.Time, 0), new("metric", ColumnType.String, 1, IsKey: true), new("server", ColumnType.String, 2, IsKey: true), new("value", ColumnType.Double, 3)],
            TimeZoneInfo.Utc, new Dictionary<string, object?>());
        string[] metrics = ["cpu_percent", "load_avg", "net_in_mbps"];
        var charts = await ChartsAsync(schema, 3 * 2 * 10, (b, i) =>
        {
            b.Times[0] = T0.AddMinutes(i / 6); b.Strings[1] = metrics[i % 3]; b.Strings[2] = $"s{i / 3 % 2}"; b.Doubles[3] = (i % 3 + 1) * 100.0 + i;
        });
        Assert.Equal(3, charts.Count);
        for (var k = 0; k < 3; k++)
        {
            Assert.Single(charts[k].Descendants(C + "lineChart"));
            Assert.Equal([[metrics[k]]], AxisTitles(charts[k]));
            Assert.Equal(2, charts[k].Descendants(C + "ser").Count());
        }
        // Within a chart every line has its own colour, so a legend never pairs two lines of one colour.
        Assert.All(charts, c => Assert.Equal(2, c.Descendants(C + "ser").Select(s => (string)s.Descendants(A + "srgbClr").Single().Attribute("val")!).Distinct().Count()));
    }

    [Fact]
    public async Task Data_columns_share_an_axis_within_a_factor_of_ten_and_the_rest_go_to_the_right()
    {
        var schema = new ExportSchema(
            [new("time", ColumnType.Time, 0), new("cpu", ColumnType.Double, 1), new("load", ColumnType.Double, 2), new("memory", ColumnType.Double, 3)],
            TimeZoneInfo.Utc, new Dictionary<string, object?>());
        var charts = await ChartsAsync(schema, 50, (b, i) =>
        {
            b.Times[0] = T0.AddMinutes(i); b.Doubles[1] = 20 + i; b.Doubles[2] = 0.5 + i / 50.0; b.Doubles[3] = 40 + i / 2.0;
        });
        var chart = Assert.Single(charts);
        var groups = chart.Descendants(C + "lineChart").Select(g => g.Elements(C + "ser").Select(s => s.Element(C + "tx")!.Descendants(C + "f").Single().Value).ToList()).ToList();
        Assert.Equal([["'Data'!$B$1", "'Data'!$D$1"], ["'Data'!$C$1"]], groups);
        Assert.Equal([["cpu, memory"], ["load"]], AxisTitles(chart));
        Assert.Equal(["l", "r"], chart.Descendants(C + "valAx").Select(v => (string)v.Element(C + "axPos")!.Attribute("val")!));
    }

    /// <summary>Without the Pivot, long rows interleave series: a line down the value column would join web-01's
    /// points to web-02's. No chart is drawn from such rows (the About sheet says why).</summary>
    [Fact]
    public async Task Long_rows_without_the_pivot_are_not_charted_as_one_line()
    {
        var schema = new ExportSchema(
            [new("time", ColumnType.Time, 0), new("server", ColumnType.String, 1, IsKey: true), new("value", ColumnType.Double, 2)],
            TimeZoneInfo.Utc, new Dictionary<string, object?>());
        var path = Path.Combine(_dir, "long.xlsx");
        await using (var file = File.Create(path))
        await using (var w = new XlsxRowWriter(schema, file, new ExcelOptions { Summary = false, Pivot = false }))
        {
            var buf = new RowBuffer(schema.Slots);
            await w.BeginAsync(default);
            for (var i = 0; i < 20; i++) { buf.Times[0] = T0.AddMinutes(i / 2); buf.Strings[1] = $"web-0{i % 2 + 1}"; buf.Doubles[2] = i; w.Write(buf); }
            await w.EndAsync(default);
        }
        using var zip = ZipFile.OpenRead(path);
        Assert.DoesNotContain(zip.Entries, e => e.FullName.StartsWith("xl/charts/"));
        var about = string.Concat(zip.Entries.Where(e => e.FullName.StartsWith("xl/worksheets/sheet")).Select(e => new StreamReader(e.Open()).ReadToEnd()));
        Assert.Contains("several series in its rows (key columns server)", about);
    }
}
