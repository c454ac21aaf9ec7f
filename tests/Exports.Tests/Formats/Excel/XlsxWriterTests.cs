using System.Text.Json;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Validation;
using Exports.Formats;
using Exports.Formats.Excel;
using Exports.Shared;
using Exports.Tests.Infrastructure;
using C = DocumentFormat.OpenXml.Drawing.Charts;

namespace Exports.Tests.Formats.Excel;

/// <summary>The .xlsx writer, read back by exceljs (values, formulas, styles, views, filters, formatting rules),
/// checked against the Open XML schemas by the SDK's validator, and its chart part opened with the SDK.</summary>
public sealed class XlsxWriterTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("xlsx-tests-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static readonly DateTime T0 = new(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
    static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    static readonly ExportSchema Schema = new(
        [
            new OutputColumn("time", ColumnType.Time, 0, IsKey: true),
            new OutputColumn("metric", ColumnType.String, 1, IsKey: true),
            new OutputColumn("server", ColumnType.String, 2, IsKey: true),
            new OutputColumn("value", ColumnType.Double, 3),
            new OutputColumn("note", ColumnType.String, 4),
        ],
        Berlin,
        new Dictionary<string, object?> { ["source"] = "servers", ["tier"] = "raw", ["timezone"] = "Europe/Berlin", ["request"] = new { source = "servers", format = "xlsx" } });

    sealed record Row(DateTime Time, string Metric, string Server, double? Value, string? Note);

    // Two metrics × three servers, one point per series per minute.
    static Row Make(int i) => new(T0.AddMinutes(i / 6), i % 2 == 0 ? "cpu" : "mem", $"web-{i / 2 % 3 + 1}",
        i % 11 == 0 ? null : Math.Round(i * 0.25 + (i % 2) * 50, 2), i % 4 == 0 ? $"note {i}" : null);

    async Task<string> WriteAsync(ExcelOptions o, IReadOnlyList<Row> rows)
    {
        var path = Path.Combine(_dir, $"{Guid.NewGuid():N}.xlsx");
        await using var file = File.Create(path);
        await using var w = new XlsxRowWriter(Schema, file, o);
        var buf = new RowBuffer(5);
        await w.BeginAsync(default);
        foreach (var r in rows)
        {
            buf.Times[0] = r.Time; buf.Strings[1] = r.Metric; buf.Strings[2] = r.Server;
            buf.Nulls[3] = r.Value is null; buf.Doubles[3] = r.Value ?? 0;
            buf.Nulls[4] = r.Note is null; buf.Strings[4] = r.Note;
            w.Write(buf);
            await w.FlushIfFullAsync(default);
        }
        await w.EndAsync(default);
        return path;
    }

    static void AssertSchemaValid(string path)
    {
        using var doc = SpreadsheetDocument.Open(path, false);
        var errors = new OpenXmlValidator().Validate(doc).Select(e => $"{e.Part?.Uri} {e.Path?.XPath}: {e.Description}").ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors.Take(10)));
    }

    static JsonElement Sheet(JsonElement book, string name) => book.GetProperty("sheets").EnumerateArray().Single(s => s.GetProperty("name").GetString() == name);

    static DateTime LocalWallClock(DateTime utc) => DateTime.SpecifyKind(TimeZoneInfo.ConvertTimeFromUtc(utc, Berlin), DateTimeKind.Utc);

    [Fact]
    public async Task Text_that_reads_like_an_xml_escape_comes_back_as_written()
    {
        // SpreadsheetML decodes _xHHHH_ in text: a literal "_x0041_" must be stored as "_x005F_x0041_" or Excel and
        // LibreOffice show "A". Read back by LibreOffice, which decodes like Excel.
        string[] notes = ["_x0041_", "a_X00e9_b_x0041", "__x0041__", "x_x005F_y", "plain_text"];
        var rows = notes.Select((n, i) => new Row(T0.AddMinutes(i), "cpu", "web-1", i, n)).ToList();
        var path = await WriteAsync(new ExcelOptions { Chart = false, Pivot = false, Summary = false }, rows);
        AssertSchemaValid(path);
        var lines = Files.ReadCsvRows(LibreOffice.FirstSheetAsCsv(path)).Skip(1).ToList();
        Assert.Equal(notes, lines.Select(l => l[4]));
    }

    [Fact]
    public async Task Workbook_has_data_summary_pivot_chart_and_about_and_is_schema_valid()
    {
        var rows = Enumerable.Range(0, 600).Select(Make).ToList();
        var path = await WriteAsync(new ExcelOptions { Title = "Servers, last 100 minutes", Author = "ops@example.com" }, rows);
        AssertSchemaValid(path);
        var book = await NodeReaders.XlsxAsync(path);
        Assert.Equal(["Data", "Summary", "Pivot", "Chart", "About"], book.GetProperty("sheets").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.Equal("ops@example.com", book.GetProperty("creator").GetString());
        Assert.Equal("Servers, last 100 minutes", book.GetProperty("title").GetString());

        var data = Sheet(book, "Data");
        var table = data.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(["time", "metric", "server", "value", "note"], table[0].EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(601, table.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var got = table[i + 1];
            Assert.Equal(LocalWallClock(rows[i].Time), DateTime.Parse(got[0].GetProperty("date").GetString()!, null, System.Globalization.DateTimeStyles.AdjustToUniversal));
            Assert.Equal(rows[i].Metric, got[1].GetString());
            Assert.Equal(rows[i].Server, got[2].GetString());
            if (rows[i].Value is { } v) Assert.Equal(v, got[3].GetDouble());
            else Assert.Equal(JsonValueKind.Null, got[3].ValueKind);
            Assert.Equal(rows[i].Note, got[4].ValueKind == JsonValueKind.Null ? null : got[4].GetString());
        }
        var header = data.GetProperty("styles")[0];
        Assert.All(header.EnumerateArray(), h => Assert.True(h.GetProperty("bold").GetBoolean()));
        Assert.Equal("FF1F4E79", header[0].GetProperty("fill").GetString());
        Assert.Equal("yyyy-mm-dd hh:mm:ss", data.GetProperty("styles")[1][0].GetProperty("numFmt").GetString());
        Assert.Equal("#,##0.00", data.GetProperty("styles")[2][3].GetProperty("numFmt").GetString());
        Assert.Equal("FFF2F5F9", data.GetProperty("styles")[2][1].GetProperty("fill").GetString()); // banded row 3
        Assert.True(data.GetProperty("styles")[1][0].GetProperty("border").GetBoolean());
        Assert.Equal("frozen", data.GetProperty("views")[0].GetProperty("state").GetString());
        Assert.Equal(1, data.GetProperty("views")[0].GetProperty("ySplit").GetInt32());
        Assert.Equal("A1:E601", data.GetProperty("autoFilter").GetString());
        Assert.Contains(data.GetProperty("conditionalFormattings").EnumerateArray(), c => c.GetProperty("ref").GetString() == "D2:D601" && c.GetProperty("types")[0].GetString() == "colorScale");
        var validations = data.GetProperty("dataValidations").EnumerateArray()
            .ToDictionary(v => v.GetProperty("rule").GetProperty("formulae")[0].GetString()!, v => (first: v.GetProperty("first").GetString(), cells: v.GetProperty("cells").GetInt32()));
        Assert.Equal(("B2", 600), validations["\"cpu,mem\""]);
        Assert.Equal(("C2", 600), validations["\"web-1,web-2,web-3\""]);
        var widths = data.GetProperty("widths").EnumerateArray().Select(w => w.GetDouble()).ToList();
        Assert.True(widths[0] >= 20, "the time column fits its format");
        Assert.True(widths[4] >= "note 596".Length, "text columns fit their content");

        var summary = Sheet(book, "Summary").GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(["Measure", "Count", "Sum", "Average", "Min", "Max"], summary[2].EnumerateArray().Select(v => v.GetString()));
        var values = rows.Where(r => r.Value is not null).Select(r => r.Value!.Value).ToList();
        Assert.Equal("value", summary[3][0].GetString());
        Assert.Equal("COUNT('Data'!$D$2:$D$601)", summary[3][1].GetProperty("formula").GetString());
        Assert.Equal(values.Count, summary[3][1].GetProperty("result").GetInt32());
        Assert.Equal(values.Sum(), summary[3][2].GetProperty("result").GetDouble(), 6);
        Assert.Equal(values.Average(), summary[3][3].GetProperty("result").GetDouble(), 6);
        Assert.Equal(values.Min(), summary[3][4].GetProperty("result").GetDouble());
        Assert.Equal(values.Max(), summary[3][5].GetProperty("result").GetDouble());
        var cpu = summary.Single(r => r[0].ValueKind == JsonValueKind.String && r[0].GetString() == "cpu (value)");
        Assert.StartsWith("SUMPRODUCT(--EXACT('Data'!$B$2:$B$601,\"cpu\")", cpu[1].GetProperty("formula").GetString());
        Assert.Equal(rows.Count(r => r.Metric == "cpu" && r.Value is not null), cpu[1].GetProperty("result").GetInt32());
        Assert.Equal(rows.Where(r => r.Metric == "cpu" && r.Value is not null).Max(r => r.Value!.Value), cpu[5].GetProperty("result").GetDouble());

        var pivot = Sheet(book, "Pivot").GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(["time", "cpu · web-1", "cpu · web-2", "cpu · web-3", "mem · web-1", "mem · web-2", "mem · web-3"], pivot[0].EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(101, pivot.Count);
        foreach (var r in rows.Where(r => r.Value is not null))
        {
            var col = pivot[0].EnumerateArray().Select(v => v.GetString()).ToList().IndexOf($"{r.Metric} · {r.Server}");
            var line = pivot.Single(p => p[0].ValueKind == JsonValueKind.Object && DateTime.Parse(p[0].GetProperty("date").GetString()!, null, System.Globalization.DateTimeStyles.AdjustToUniversal) == LocalWallClock(r.Time));
            Assert.Equal(r.Value!.Value, line[col].GetDouble());
        }

        using var doc = SpreadsheetDocument.Open(path, false);
        var wbPart = doc.WorkbookPart!;
        var chartSheet = wbPart.Workbook.Sheets!.Elements<DocumentFormat.OpenXml.Spreadsheet.Sheet>().Single(s => s.Name == "Chart");
        var chartPart = ((WorksheetPart)wbPart.GetPartById(chartSheet.Id!)).DrawingsPart!.ChartParts.Single();
        var series = chartPart.ChartSpace.Descendants<C.LineChartSeries>().ToList();
        Assert.Equal(6, series.Count);
        Assert.Equal("'Pivot'!$B$1", series[0].SeriesText!.StringReference!.Formula!.Text);
        Assert.Equal("'Pivot'!$A$2:$A$101", series[0].Descendants<C.CategoryAxisData>().Single().NumberReference!.Formula!.Text);
        Assert.Equal("'Pivot'!$G$2:$G$101", series[5].Descendants<C.Values>().Single().NumberReference!.Formula!.Text);

        var about = Sheet(book, "About").GetProperty("rows").EnumerateArray().Where(r => r.GetArrayLength() >= 2 && r[0].ValueKind == JsonValueKind.String)
            .ToDictionary(r => r[0].GetString()!, r => r[1].ValueKind == JsonValueKind.String ? r[1].GetString() : null);
        Assert.Equal("raw", about["Tier"]);
        Assert.Equal("Europe/Berlin", about["Time zone"]);
        Assert.Equal("600", about["Rows"]);
        Assert.Contains("Values (not a PivotTable)", about["Pivot"]);
        Assert.Equal("xlsx", JsonDocument.Parse(about["Request"]!).RootElement.GetProperty("format").GetString());
    }

    [Fact]
    public async Task Rows_past_the_sheet_limit_continue_on_numbered_sheets_and_formulas_cover_them_all()
    {
        var rows = Enumerable.Range(0, 250).Select(Make).ToList();
        var path = await WriteAsync(new ExcelOptions { RowsPerSheet = 100, Chart = false, Pivot = false }, rows);
        AssertSchemaValid(path);
        var book = await NodeReaders.XlsxAsync(path);
        Assert.Equal(["Data", "Data (2)", "Data (3)", "Summary", "About"], book.GetProperty("sheets").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        var all = new List<JsonElement>();
        foreach (var name in new[] { "Data", "Data (2)", "Data (3)" })
        {
            var sheetRows = Sheet(book, name).GetProperty("rows").EnumerateArray().ToList();
            Assert.Equal("time", sheetRows[0][0].GetString());
            all.AddRange(sheetRows.Skip(1));
        }
        Assert.Equal(rows.Select(r => r.Server), all.Select(r => r[2].GetString()));
        var count = Sheet(book, "Summary").GetProperty("rows")[3][1];
        Assert.Equal("COUNT('Data'!$D$2:$D$101,'Data (2)'!$D$2:$D$101,'Data (3)'!$D$2:$D$51)", count.GetProperty("formula").GetString());
        Assert.Equal(rows.Count(r => r.Value is not null), count.GetProperty("result").GetInt32());
        var about = Sheet(book, "About").GetProperty("rows").EnumerateArray().Single(r => r[0].ValueKind == JsonValueKind.String && r[0].GetString() == "Data sheets");
        Assert.Contains("Data (3) (50 rows)", about[1].GetString());
        Assert.Contains("nothing was left out", about[1].GetString());
    }

    [Fact]
    public async Task Formula_like_text_stays_text_and_overlong_text_is_cut_with_a_marker_and_counted()
    {
        var rows = new List<Row>
        {
            new(T0, "cpu", "web-1", 1, "=HYPERLINK(\"http://evil\",\"click\")"),
            new(T0, "cpu", "web-2", 2, new string('x', 40_000)),
            new(T0, "cpu", "web-3", 3, "@SUM(A1)"),
        };
        var path = await WriteAsync(new ExcelOptions(), rows);
        AssertSchemaValid(path);
        var book = await NodeReaders.XlsxAsync(path);
        var data = Sheet(book, "Data").GetProperty("rows");
        Assert.Equal("=HYPERLINK(\"http://evil\",\"click\")", data[1][4].GetString());
        Assert.Equal("@SUM(A1)", data[3][4].GetString());
        var cut = data[2][4].GetString()!;
        Assert.Equal(ExcelOptions.CellTextLimit, cut.Length);
        Assert.EndsWith("…[truncated]", cut);
        var about = Sheet(book, "About").GetProperty("rows").EnumerateArray().Single(r => r[0].ValueKind == JsonValueKind.String && r[0].GetString() == "Truncated cells");
        Assert.StartsWith("1 cell(s)", about[1].GetString());
        using var doc = SpreadsheetDocument.Open(path, false);
        var sheet = doc.WorkbookPart!.WorksheetParts.First(p => p.Worksheet.Descendants<DocumentFormat.OpenXml.Spreadsheet.Cell>().Any(c => c.CellReference == "E2"));
        var e2 = sheet.Worksheet.Descendants<DocumentFormat.OpenXml.Spreadsheet.Cell>().Single(c => c.CellReference == "E2");
        var format = (DocumentFormat.OpenXml.Spreadsheet.CellFormat)doc.WorkbookPart.WorkbookStylesPart!.Stylesheet.CellFormats!.ElementAt((int)e2.StyleIndex!.Value);
        Assert.True(format.QuotePrefix?.Value, "formula-like text gets the quote prefix, so editing the cell keeps it text");
        Assert.Null(e2.CellFormula);
    }

    [Fact]
    public async Task An_empty_export_is_a_valid_workbook_with_a_header()
    {
        var path = await WriteAsync(new ExcelOptions { ConditionalFormatting = "threshold", Threshold = 80 }, []);
        AssertSchemaValid(path);
        var book = await NodeReaders.XlsxAsync(path);
        Assert.Equal(["Data", "Summary", "About"], book.GetProperty("sheets").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(["time", "metric", "server", "value", "note"], Sheet(book, "Data").GetProperty("rows")[0].EnumerateArray().Select(v => v.GetString()));
    }

    [Fact]
    public async Task Threshold_highlighting_marks_values_above_it()
    {
        var path = await WriteAsync(new ExcelOptions { ConditionalFormatting = "threshold", Threshold = 80 }, Enumerable.Range(0, 50).Select(Make).ToList());
        AssertSchemaValid(path);
        var cf = Sheet(await NodeReaders.XlsxAsync(path), "Data").GetProperty("conditionalFormattings")[0];
        Assert.Equal("D2:D51", cf.GetProperty("ref").GetString());
        Assert.Equal("cellIs", cf.GetProperty("types")[0].GetString());
    }

    [Fact]
    public void Options_are_validated_with_field_errors()
    {
        var errors = new Errors();
        ExcelOptions.Parse(JsonDocument.Parse("""{"sheetName":"a/b","conditionalFormatting":"threshold","rowsPerSheet":5,"colour":1}""").RootElement, errors);
        var d = errors.ToDictionary();
        Assert.Contains("formatOptions.sheetName", d.Keys);
        Assert.Contains("formatOptions.threshold", d.Keys);
        Assert.Contains("formatOptions.rowsPerSheet", d.Keys);
        Assert.Contains("formatOptions.colour", d.Keys);
    }
}
