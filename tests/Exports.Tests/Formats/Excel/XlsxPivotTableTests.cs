using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using System.Xml.Linq;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Validation;
using Exports.Formats;
using Exports.Formats.Excel;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Formats.Excel;

/// <summary>The PivotTable parts of the .xlsx writer: valid against the Open XML schemas (the SDK's validator), a whole
/// package (every relationship resolves, every part has a content type, ids are unique), computed by LibreOffice from
/// the Data sheet on load and compared with the rows written; and the values sheet as the fallback, saying why.</summary>
public sealed class XlsxPivotTableTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("xlsx-pt-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static readonly DateTime T0 = new(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
    static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    static ExportSchema Schema(Aggregate aggregate) => new(
        [
            new OutputColumn("time", ColumnType.Time, 0, IsKey: true),
            new OutputColumn("metric", ColumnType.String, 1, IsKey: true),
            new OutputColumn("server", ColumnType.String, 2, IsKey: true),
            new OutputColumn("total", ColumnType.Double, 3, Aggregate: aggregate),
        ],
        Berlin,
        new Dictionary<string, object?> { ["source"] = "servers", ["request"] = new { source = "servers", format = "xlsx" } });

    sealed record Row(DateTime Time, string Metric, string Server, double? Value);

    /// <summary>Two metrics × three servers, one row per series and minute; some values missing, one series starting late.</summary>
    static List<Row> Rows(int minutes) =>
        Enumerable.Range(0, minutes * 6).Select(i => new Row(T0.AddMinutes(i / 6), i % 2 == 0 ? "cpu" : "mem", $"web-{i / 2 % 3 + 1}",
            i % 13 == 0 ? null : Math.Round(i * 0.37 + (i % 2) * 50, 3)))
            .Where(r => !(r.Metric == "mem" && r.Server == "web-3" && r.Time < T0.AddMinutes(2))).ToList();

    async Task<string> WriteAsync(Aggregate aggregate, ExcelOptions o, IReadOnlyList<Row> rows)
    {
        var path = Path.Combine(_dir, $"{Guid.NewGuid():N}.xlsx");
        await using var file = File.Create(path);
        await using var w = new XlsxRowWriter(Schema(aggregate), file, o);
        var buf = new RowBuffer(4);
        await w.BeginAsync(default);
        foreach (var r in rows)
        {
            buf.Times[0] = r.Time; buf.Strings[1] = r.Metric; buf.Strings[2] = r.Server;
            buf.Nulls[3] = r.Value is null; buf.Doubles[3] = r.Value ?? 0;
            w.Write(buf);
            await w.FlushIfFullAsync(default);
        }
        await w.EndAsync(default);
        return path;
    }

    [Fact]
    public async Task Sum_pivot_is_schema_valid_whole_and_LibreOffice_computes_every_cell_and_subtotal_per_metric_from_the_data()
    {
        var rows = Rows(30);
        var path = await WriteAsync(Aggregate.Sum, new ExcelOptions(), rows);
        AssertSchemaValid(path);
        AssertPackageWhole(path);
        using (var zip = ZipFile.OpenRead(path))
        {
            XNamespace m = Xml.Main;
            var cache = XDocument.Load(zip.GetEntry("xl/pivotCache/pivotCacheDefinition1.xml")!.Open()).Root!;
            Assert.Equal("1", (string?)cache.Attribute("refreshOnLoad"));
            Assert.Equal($"A1:D{rows.Count + 1}", (string?)cache.Descendants(m + "worksheetSource").Single().Attribute("ref"));
            Assert.Equal(["time", "metric", "server", "total"], cache.Descendants(m + "cacheField").Select(f => (string)f.Attribute("name")!));
            Assert.Null(zip.GetEntry("xl/pivotCache/pivotCacheRecords1.xml"));
            // A numeric field with blanks, as Excel writes it: semi-mixed (the default), so no containsSemiMixedTypes="0".
            var total = cache.Descendants(m + "cacheField").Single(f => (string)f.Attribute("name")! == "total").Element(m + "sharedItems")!;
            Assert.Equal("1", (string?)total.Attribute("containsBlank"));
            Assert.Equal("1", (string?)total.Attribute("containsNumber"));
            Assert.Null(total.Attribute("containsSemiMixedTypes"));
        }

        // exceljs still reads the workbook; the sheet itself holds no computed cells, only the line saying what it is.
        var book = await NodeReaders.XlsxAsync(path);
        Assert.Equal(["Data", "Summary", "Pivot", "Chart", "PivotTable", "About"], book.GetProperty("sheets").EnumerateArray().Select(s => s.GetProperty("name").GetString()));

        var lines = Files.ReadCsvRows(LibreOffice.SheetsAsCsv(path, asShown: false)["PivotTable"]);
        var dump = string.Join("\n", lines.Select(l => string.Join(",", l)));
        var head = lines.FindIndex(l => l.Length > 2 && l[0] == "metric" && l[1] == "server");
        Assert.True(head > 0, dump);
        var local = rows.Select(r => TimeZoneInfo.ConvertTimeFromUtc(r.Time, Berlin)).Distinct().Order().ToList();
        // Two metrics: no grand totals, which would add cpu to mem; a subtotal per metric instead.
        Assert.Equal(local.Select(t => t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)), lines[head].Skip(2).Where(x => x.Length > 0));
        Assert.DoesNotContain(lines, l => l.Any(x => x.Contains("Total", StringComparison.Ordinal)));
        var metric = "";
        var seen = 0;
        var subtotals = new List<string>();
        foreach (var line in lines.Skip(head + 1).TakeWhile(l => l.Any(x => x.Length > 0)))
        {
            if (line[0].EndsWith(" Result", StringComparison.Ordinal))
            {
                var of = line[0][..^" Result".Length];
                Assert.Equal(metric, of);
                subtotals.Add(of);
                for (var j = 0; j < local.Count; j++)
                {
                    var at = rows.Where(r => r.Metric == of && TimeZoneInfo.ConvertTimeFromUtc(r.Time, Berlin) == local[j] && r.Value is not null).ToList();
                    Assert.Equal(at.Count == 0 ? "" : Num(at.Sum(r => r.Value!.Value)), Round(line[j + 2]));
                }
                continue;
            }
            if (line[0].Length > 0) metric = line[0];
            var series = rows.Where(r => r.Metric == metric && r.Server == line[1]).ToList();
            Assert.NotEmpty(series);
            for (var j = 0; j < local.Count; j++)
            {
                var at = series.Where(r => TimeZoneInfo.ConvertTimeFromUtc(r.Time, Berlin) == local[j] && r.Value is not null).ToList();
                Assert.Equal(at.Count == 0 ? "" : Num(at.Sum(r => r.Value!.Value)), Round(line[j + 2]));
            }
            Assert.True(line.Length <= local.Count + 2 || line[local.Count + 2].Length == 0, dump);
            seen++;
        }
        Assert.Equal(6, seen);
        Assert.Equal(["cpu", "mem"], subtotals);
    }

    [Fact]
    public async Task One_metric_gets_grand_totals()
    {
        var rows = Rows(10).Where(r => r.Metric == "mem").ToList();
        var path = await WriteAsync(Aggregate.Sum, new ExcelOptions { Chart = false, Summary = false }, rows);
        var lines = Files.ReadCsvRows(LibreOffice.SheetsAsCsv(path, asShown: false)["PivotTable"]);
        var head = lines.FindIndex(l => l.Length > 2 && l[0] == "metric" && l[1] == "server");
        Assert.True(head > 0, string.Join("\n", lines.Select(l => string.Join(",", l))));
        var local = rows.Select(r => TimeZoneInfo.ConvertTimeFromUtc(r.Time, Berlin)).Distinct().Order().ToList();
        Assert.Equal("Total Result", lines[head].Skip(2).Where(x => x.Length > 0).Last());
        foreach (var line in lines.Skip(head + 1).TakeWhile(l => l[0] != "Total Result"))
            Assert.Equal(Num(rows.Where(r => r.Server == line[1]).Sum(r => r.Value ?? 0)), Round(line[local.Count + 2]));
        var totals = lines.Single(l => l[0] == "Total Result");
        for (var j = 0; j < local.Count; j++)
            Assert.Equal(Num(rows.Where(r => TimeZoneInfo.ConvertTimeFromUtc(r.Time, Berlin) == local[j]).Sum(r => r.Value ?? 0)), Round(totals[j + 2]));
        Assert.Equal(Num(rows.Sum(r => r.Value ?? 0)), Round(totals[local.Count + 2]));
    }

    [Fact]
    public async Task Time_buckets_beyond_Excels_columns_leave_the_columns_out_and_min_covers_the_whole_range()
    {
        // 16,400 minutes: more buckets than Excel has columns, so the table is one value per series over the whole range.
        var rows = Rows(16_400).Where(r => r.Metric == "cpu").ToList();
        var path = await WriteAsync(Aggregate.Min, new ExcelOptions { Chart = false, Summary = false }, rows);
        AssertSchemaValid(path);
        var lines = Files.ReadCsvRows(LibreOffice.SheetsAsCsv(path, asShown: false)["PivotTable"]);
        var head = lines.FindIndex(l => l.Length > 2 && l[0] == "metric" && l[1] == "server");
        Assert.True(head > 0, string.Join("\n", lines.Take(12).Select(l => string.Join(",", l))));
        Assert.True(lines[head][2] == "Min of total", string.Join("\n", lines.Take(12).Select(l => string.Join(",", l))));
        var body = lines.Skip(head + 1).TakeWhile(l => l[0] != "Total Result").ToList();
        Assert.Equal(["web-1", "web-2", "web-3"], body.Select(l => l[1]));
        foreach (var l in body)
            Assert.Equal(Num(rows.Where(r => r.Server == l[1] && r.Value is not null).Min(r => r.Value!.Value)), Round(l[2]));
        Assert.Equal(Num(rows.Where(r => r.Value is not null).Min(r => r.Value!.Value)), Round(lines.Single(l => l[0] == "Total Result")[2]));
    }

    [Theory]
    [InlineData(Aggregate.Percentile, 0, "a percentile")]
    [InlineData(Aggregate.None, 0, "stored values, not an aggregate")]
    [InlineData(Aggregate.Sum, 100, "the data spans 6 sheets")]
    public async Task Without_a_pivotable_aggregate_or_with_several_data_sheets_the_values_sheet_stays_and_About_says_why(Aggregate aggregate, int rowsPerSheet, string why)
    {
        var o = rowsPerSheet > 0 ? new ExcelOptions { RowsPerSheet = rowsPerSheet } : new ExcelOptions();
        var path = await WriteAsync(aggregate, o, Rows(100));
        AssertSchemaValid(path);
        AssertPackageWhole(path);
        var book = await NodeReaders.XlsxAsync(path);
        var names = book.GetProperty("sheets").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToList();
        Assert.DoesNotContain("PivotTable", names);
        Assert.Contains("Pivot", names);
        using (var zip = ZipFile.OpenRead(path)) Assert.DoesNotContain(zip.Entries, e => e.FullName.Contains("pivot", StringComparison.OrdinalIgnoreCase));
        var about = book.GetProperty("sheets").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "About").GetProperty("rows").EnumerateArray()
            .Single(r => r.GetArrayLength() >= 2 && r[0].ValueKind == JsonValueKind.String && r[0].GetString() == "PivotTable");
        Assert.StartsWith("Not made", about[1].GetString());
        Assert.Contains(why, about[1].GetString());
    }

    [Fact]
    public async Task An_average_over_more_buckets_than_columns_is_not_made_rather_than_averaging_averages()
    {
        var path = await WriteAsync(Aggregate.Avg, new ExcelOptions { Chart = false, Summary = false }, Rows(16_400).Where(r => r.Metric == "cpu" && r.Server == "web-1").ToList());
        using var zip = ZipFile.OpenRead(path);
        Assert.Null(zip.GetEntry("xl/pivotTables/pivotTable1.xml"));
        Assert.Null(zip.GetEntry("xl/pivotCache/pivotCacheDefinition1.xml"));
    }

    [Fact]
    public async Task Where_clocks_go_back_the_shared_local_hour_holds_both_buckets_and_an_average_is_not_made()
    {
        // Berlin, 2026-10-25: 00:00 and 01:00 UTC are both 02:00 local.
        var rows = Enumerable.Range(0, 5).Select(h => new Row(new DateTime(2026, 10, 24, 22, 0, 0, DateTimeKind.Utc).AddHours(h), "cpu", "web-1", h + 1.5)).ToList();
        var path = await WriteAsync(Aggregate.Sum, new ExcelOptions { Chart = false, Summary = false }, rows);
        AssertSchemaValid(path);
        var lines = Files.ReadCsvRows(LibreOffice.SheetsAsCsv(path, asShown: false)["PivotTable"]);
        var head = lines.FindIndex(l => l.Length > 2 && l[0] == "metric" && l[1] == "server");
        Assert.Equal(["2026-10-25 00:00:00", "2026-10-25 01:00:00", "2026-10-25 02:00:00", "2026-10-25 03:00:00", "Total Result"], lines[head].Skip(2).Where(x => x.Length > 0));
        Assert.Equal(["1.5", "2.5", "8", "5.5", "17.5"], lines[head + 1].Skip(2).Where(x => x.Length > 0).Select(Round));
        Assert.Contains("Where clocks went back, two time buckets share a local time, and its column holds both.", lines[0][0]);
        using var zip = ZipFile.OpenRead(await WriteAsync(Aggregate.Avg, new ExcelOptions { Chart = false, Summary = false }, rows));
        Assert.Null(zip.GetEntry("xl/pivotTables/pivotTable1.xml"));
    }

    [Fact]
    public async Task Series_differing_only_in_case_are_not_joined_into_one_row_and_About_names_them()
    {
        // Excel and LibreOffice compare a PivotTable's items ignoring case: web-1 and WEB-1 would be one row.
        var rows = Enumerable.Range(0, 6).SelectMany(m => new[]
        {
            new Row(T0.AddMinutes(m), "cpu", "web-1", 10), new Row(T0.AddMinutes(m), "cpu", "WEB-1", 20), new Row(T0.AddMinutes(m), "cpu", "web-2", 30),
        }).ToList();
        var path = await WriteAsync(Aggregate.Avg, new ExcelOptions { Chart = false, Summary = false }, rows);
        AssertSchemaValid(path);
        using (var zip = ZipFile.OpenRead(path)) Assert.Null(zip.GetEntry("xl/pivotTables/pivotTable1.xml"));
        var about = await AboutAsync(path, "PivotTable");
        Assert.StartsWith("Not made", about);
        Assert.Contains("\"cpu · web-1\" and \"cpu · WEB-1\" differ only in case", about);
    }

    [Fact]
    public async Task A_value_beyond_Excels_range_is_a_text_cell_the_PivotTable_would_skip_so_it_is_not_made()
    {
        var rows = Rows(5).Select((r, i) => i == 7 ? r with { Value = -1.5e308 } : r).ToList();
        var path = await WriteAsync(Aggregate.Sum, new ExcelOptions { Chart = false, Summary = false }, rows);
        AssertSchemaValid(path);
        using (var zip = ZipFile.OpenRead(path)) Assert.Null(zip.GetEntry("xl/pivotTables/pivotTable1.xml"));
        var about = await AboutAsync(path, "PivotTable");
        Assert.StartsWith("Not made: 1 value(s) of total lie beyond Excel's number range", about);
    }

    [Fact]
    public async Task A_metric_without_values_gets_no_chart_and_pushes_no_real_metric_past_the_last_chart()
    {
        // Seven metrics, the first by name without any value: six charts are the six metrics that have values.
        var rows = Enumerable.Range(0, 10).SelectMany(t => new[] { "empty", "m1", "m2", "m3", "m4", "m5", "m6" }
            .Select((m, k) => new Row(T0.AddMinutes(t), m, "web-1", m == "empty" ? null : Math.Pow(100, k) * (t + 1)))).ToList();
        var path = await WriteAsync(Aggregate.Sum, new ExcelOptions { Summary = false }, rows);
        AssertSchemaValid(path);
        using (var zip = ZipFile.OpenRead(path))
        {
            Assert.NotNull(zip.GetEntry("xl/charts/chart6.xml"));
            Assert.Null(zip.GetEntry("xl/charts/chart7.xml"));
        }
        var about = await AboutAsync(path, "Chart");
        Assert.Contains("m6 (1 series)", about);
        Assert.DoesNotContain("empty (", about);
    }

    [Fact]
    public async Task Values_all_missing_give_a_cache_field_with_blanks_only_as_Excel_writes_it_and_no_chart()
    {
        var rows = Rows(5).Where(r => r.Metric == "cpu").Select(r => r with { Value = null }).ToList();
        var path = await WriteAsync(Aggregate.Sum, new ExcelOptions { Summary = false }, rows);
        AssertSchemaValid(path);
        AssertPackageWhole(path);
        using (var zip = ZipFile.OpenRead(path))
        {
            XNamespace m = Xml.Main;
            var cache = XDocument.Load(zip.GetEntry("xl/pivotCache/pivotCacheDefinition1.xml")!.Open()).Root!;
            var total = cache.Descendants(m + "cacheField").Single(f => (string)f.Attribute("name")! == "total").Element(m + "sharedItems")!;
            Assert.Equal("1", (string?)total.Attribute("containsBlank"));
            Assert.Null(total.Attribute("containsNumber"));
            Assert.Null(total.Attribute("minValue"));
            Assert.Null(zip.GetEntry("xl/charts/chart1.xml"));
        }
        Assert.Equal("Not made: no series has a value.", await AboutAsync(path, "Chart"));
    }

    static async Task<string> AboutAsync(string path, string line)
    {
        var book = await NodeReaders.XlsxAsync(path);
        var row = book.GetProperty("sheets").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "About").GetProperty("rows").EnumerateArray()
            .Single(r => r.GetArrayLength() >= 2 && r[0].ValueKind == JsonValueKind.String && r[0].GetString() == line);
        return row[1].GetString()!;
    }

    static string Num(double v) => Math.Round(v, 6).ToString("R", CultureInfo.InvariantCulture);
    static string Round(string cell) => cell.Length == 0 ? "" : Num(double.Parse(cell, NumberStyles.Float, CultureInfo.InvariantCulture));

    static void AssertSchemaValid(string path)
    {
        using var doc = SpreadsheetDocument.Open(path, false);
        var errors = new OpenXmlValidator().Validate(doc).Select(e => $"{e.Part?.Uri} {e.Path?.XPath}: {e.Description}").ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors.Take(10)));
    }

    /// <summary>What a spreadsheet checks before it offers to repair a file: every part has a content type and every
    /// content type a part, relationship ids are unique within their part, every target exists, and the workbook's
    /// sheet and pivot cache ids resolve.</summary>
    static void AssertPackageWhole(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        var parts = zip.Entries.Select(e => "/" + e.FullName).ToHashSet();
        XNamespace ct = "http://schemas.openxmlformats.org/package/2006/content-types", pr = "http://schemas.openxmlformats.org/package/2006/relationships";
        XNamespace r = Xml.Rel, m = Xml.Main;
        var types = XDocument.Load(zip.GetEntry("[Content_Types].xml")!.Open()).Root!;
        var overrides = types.Elements(ct + "Override").Select(o => (string)o.Attribute("PartName")!).ToList();
        var defaults = types.Elements(ct + "Default").Select(d => (string)d.Attribute("Extension")!).ToHashSet();
        Assert.Equal(overrides.Count, overrides.Distinct().Count());
        foreach (var o in overrides) Assert.True(parts.Contains(o), $"content type for a missing part {o}");
        foreach (var p in parts.Where(p => p != "/[Content_Types].xml"))
            Assert.True(overrides.Contains(p) || defaults.Contains(Path.GetExtension(p).TrimStart('.')), $"{p} has no content type");
        var relsOf = new Dictionary<string, Dictionary<string, string>>();
        foreach (var rels in zip.Entries.Where(e => e.FullName.EndsWith(".rels")))
        {
            var dir = rels.FullName[..rels.FullName.IndexOf("_rels/", StringComparison.Ordinal)];
            var source = dir + Path.GetFileNameWithoutExtension(rels.Name);
            var list = XDocument.Load(rels.Open()).Root!.Elements(pr + "Relationship").ToList();
            var ids = list.Select(x => (string)x.Attribute("Id")!).ToList();
            Assert.True(ids.Count == ids.Distinct().Count(), $"duplicate relationship ids in {rels.FullName}");
            var targets = list.ToDictionary(x => (string)x.Attribute("Id")!, x => new Uri(new Uri("http://p/" + dir), (string)x.Attribute("Target")!).AbsolutePath);
            foreach (var (id, t) in targets) Assert.True(parts.Contains(t), $"{rels.FullName} {id} → {t}, which is not in the package");
            relsOf["/" + source] = targets;
        }
        var workbook = XDocument.Load(zip.GetEntry("xl/workbook.xml")!.Open()).Root!;
        var wbRels = relsOf["/xl/workbook.xml"];
        foreach (var id in workbook.Descendants().Select(e => (string?)e.Attribute(r + "id")).OfType<string>())
            Assert.True(wbRels.ContainsKey(id), $"workbook.xml refers to {id}, which its relationships lack");
        var names = workbook.Descendants(m + "sheet").Select(s => (string)s.Attribute("name")!).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        foreach (var cache in workbook.Descendants(m + "pivotCache"))
        {
            var table = XDocument.Load(zip.GetEntry("xl/pivotTables/pivotTable1.xml")!.Open()).Root!;
            Assert.Equal((string)cache.Attribute("cacheId")!, (string)table.Attribute("cacheId")!);
            Assert.Equal(wbRels[(string)cache.Attribute(r + "id")!], relsOf["/xl/pivotTables/pivotTable1.xml"].Values.Single());
        }
    }
}
