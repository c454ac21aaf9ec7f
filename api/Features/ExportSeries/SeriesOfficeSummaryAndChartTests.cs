using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Xml.Linq;
using Exports.Rendering.Cairo;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.ExportSeries;

/// <summary>The Excel Summary and Chart as a spreadsheet shows them: LibreOffice recalculates every formula on load
/// (compared with SQL) and draws the chart (its pixels decoded).</summary>
[Collection(ApiCollection.Name)]
public sealed class SeriesOfficeSummaryAndChartTests(ApiFixture api) : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("office-sc-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Summary_per_metric_formulas_recalculate_to_SQL_for_names_that_read_as_criteria()
    {
        var (owner, client) = await api.NewUserAsync();
        (await client.PostJsonAsync("/api/v1/sources", new { name = "odd", kind = "timeseries" })).EnsureSuccessStatusCode();
        string[] metrics = ["a*", "a1", "A1", "a?", "<5", "=x", "~y", "x"];
        var t0 = new DateTime(2026, 3, 1, 10, 0, 0, DateTimeKind.Utc);
        var points = metrics.SelectMany((m, i) => Enumerable.Range(0, 3 + i).Select(j => new
        {
            timestamp = t0.AddMinutes(j), metric = m, value = (double?)(j == 1 ? null : (i + 1) * 10.5 - j * 3.25), tags = new { host = "h" + j % 2 },
        }));
        var ingest = await client.PostJsonAsync("/api/v1/sources/odd/points", points);
        Assert.True(ingest.IsSuccessStatusCode, await ingest.Content.ReadAsStringAsync());
        var r = await client.PostJsonAsync("/api/v1/exports/series", new
        {
            source = "odd", metrics, granularity = "raw", timezone = "UTC", format = "xlsx",
            timeframe = new { from = "2026-03-01T00:00:00Z", to = "2026-03-02T00:00:00Z" },
        });
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        var path = Path.Combine(_dir, "odd.xlsx");
        await File.WriteAllBytesAsync(path, await r.Content.ReadAsByteArrayAsync());

        var summary = Files.ReadCsvRows(LibreOffice.SheetsAsCsv(path, asShown: false)["Summary"]);
        var expected = await api.RowsAsync("""
            SELECT s.metric, count(p.value), sum(p.value), avg(p.value), min(p.value), max(p.value)
            FROM points p JOIN series s ON s.id = p.series_id JOIN sources src ON src.id = s.source_id
            WHERE src.owner_id = $1 AND src.name = 'odd' AND p.ts >= '2026-03-01' AND p.ts < '2026-03-02'
            GROUP BY 1
            """, owner);
        Assert.Equal(metrics.Length, expected.Count);
        foreach (var e in expected)
        {
            var label = $"{e[0]} (value)";
            var row = summary.SingleOrDefault(x => x[0] == label);
            Assert.True(row is not null, $"no Summary row '{label}'");
            Assert.True((long)e[1]! == long.Parse(row[1], CultureInfo.InvariantCulture), $"{label} count: {row[1]}, SQL {e[1]}");
            foreach (var (col, name) in new[] { (2, "sum"), (3, "avg"), (4, "min"), (5, "max") })
            {
                Assert.True(double.TryParse(row[col], NumberStyles.Float, CultureInfo.InvariantCulture, out var got), $"{label} {name}: '{row[col]}'");
                Assert.True(Math.Abs((double)e[col]! - got) < 1e-9, $"{label} {name}: {got}, SQL {e[col]}");
            }
        }
    }

    [Fact]
    public async Task Chart_lines_have_colours_LibreOffice_draws_and_a_second_metric_gets_its_own_axis()
    {
        var (from, to) = await api.SeededRangeAsync(TimeSpan.FromHours(6));
        var r = await api.Demo().PostJsonAsync("/api/v1/exports/series", new
        {
            source = "servers", metrics = new[] { "cpu_percent", "load_avg" }, granularity = "15m", groupBy = new[] { "server" },
            aggregations = new[] { "avg" }, timezone = "UTC", format = "xlsx",
            filter = new { field = "server", op = "in", value = new[] { "web-01", "db-01" } },
            timeframe = new { from = from.ToString("O"), to = to.ToString("O") },
            formatOptions = new { conditionalFormatting = "none", summary = false, title = "CPU and load" },
        });
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        var path = Path.Combine(_dir, "chart.xlsx");
        await File.WriteAllBytesAsync(path, await r.Content.ReadAsByteArrayAsync());

        // The chart part: every series has an explicit line colour; load_avg sits on a value axis at the right.
        XNamespace c = "http://schemas.openxmlformats.org/drawingml/2006/chart", a = "http://schemas.openxmlformats.org/drawingml/2006/main";
        List<string> colours;
        using (var zip = ZipFile.OpenRead(path))
        {
            var chart = XDocument.Load(zip.GetEntry("xl/charts/chart1.xml")!.Open());
            var groups = chart.Descendants(c + "lineChart").ToList();
            Assert.Equal(2, groups.Count);
            colours = chart.Descendants(c + "ser").Select(s => (string?)s.Element(c + "spPr")?.Element(a + "ln")?.Element(a + "solidFill")?.Element(a + "srgbClr")?.Attribute("val") ?? "none").ToList();
            Assert.Equal(4, colours.Count);
            Assert.Equal(4, colours.Distinct().Count(x => x != "none"));
            var valAxes = chart.Descendants(c + "valAx").ToDictionary(v => (string)v.Element(c + "axId")!.Attribute("val")!);
            var secondAxis = valAxes[(string)groups[1].Elements(c + "axId").Last().Attribute("val")!];
            Assert.Equal("r", (string)secondAxis.Element(c + "axPos")!.Attribute("val")!);
            Assert.Equal("load_avg", secondAxis.Element(c + "title")!.Descendants(a + "t").Single().Value);
            Assert.All(groups[1].Descendants(c + "ser"), s => Assert.Equal("dash", (string?)s.Descendants(a + "prstDash").SingleOrDefault()?.Attribute("val")));
            Assert.All(groups[0].Descendants(c + "ser"), s => Assert.Empty(s.Descendants(a + "prstDash")));
            var pivotHead = XDocument.Load(zip.GetEntry("xl/worksheets/sheet2.xml")!.Open()).Descendants().Where(e => e.Name.LocalName == "t").Select(e => e.Value).Take(5).ToList();
            var series = groups.Select(g => g.Elements(c + "ser").Select(s => s.Element(c + "tx")!.Descendants(c + "f").Single().Value).ToList()).ToList();
            Assert.All(series[0], f => Assert.StartsWith("cpu_percent", pivotHead[CellColumn(f)]));
            Assert.All(series[1], f => Assert.StartsWith("load_avg", pivotHead[CellColumn(f)]));
        }

        // As LibreOffice draws it: every series' colour is on the page, as a line (many pixels), not a legend key only.
        var pdf = Path.Combine(_dir, "chart.pdf");
        await File.WriteAllBytesAsync(pdf, LibreOffice.ToPdf(path));
        Tools.Run("pdftoppm", "-png", "-r", "80", pdf, Path.Combine(_dir, "page"));
        var counts = colours.ToDictionary(x => x, _ => 0);
        foreach (var png in Directory.GetFiles(_dir, "page*.png"))
        {
            var (_, _, px) = CairoSurfaces.DecodePng(File.ReadAllBytes(png));
            foreach (var p in px)
                foreach (var col in colours)
                    if (Near(p, col)) counts[col]++;
        }
        Assert.All(counts, kv => Assert.True(kv.Value >= 150, $"colour {kv.Key}: {kv.Value} pixels ({string.Join(", ", counts)})"));
    }

    /// <summary>'Pivot'!$C$1 → 2 (A is 0).</summary>
    static int CellColumn(string reference) => reference.Split('!')[1].Trim('$').Split('$')[0][0] - 'A';

    static bool Near(uint argb, string hex)
    {
        var v = Convert.ToInt32(hex, 16);
        static bool Close(uint p, int v, int shift) => Math.Abs((int)(p >> shift & 0xFF) - (v >> shift & 0xFF)) <= 40;
        return Close(argb, v, 16) && Close(argb, v, 8) && Close(argb, v, 0);
    }
}
