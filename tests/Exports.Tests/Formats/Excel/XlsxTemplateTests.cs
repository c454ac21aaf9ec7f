using System.Text.Json;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using DocumentFormat.OpenXml.Validation;
using Exports.Formats;
using Exports.Formats.Excel;
using Exports.Shared;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Formats.Excel;

/// <summary>Template workbooks made with the Open XML SDK, filled by the writer, read back by exceljs.</summary>
public sealed class XlsxTemplateTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("xlsx-template-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static readonly ExportSchema Schema = new(
        [new OutputColumn("time", ColumnType.Time, 0, true), new OutputColumn("server", ColumnType.String, 1, true), new OutputColumn("cpu", ColumnType.Double, 2)],
        TimeZoneInfo.Utc, new Dictionary<string, object?>());

    /// <summary>A workbook with a styled header on "Report", a style row (green, 0.0%) under it, and a "Notes" sheet
    /// whose formula counts the report's rows.</summary>
    static byte[] Template()
    {
        var ms = new MemoryStream();
        using (var doc = SpreadsheetDocument.Create(ms, SpreadsheetDocumentType.Workbook))
        {
            var wb = doc.AddWorkbookPart();
            wb.Workbook = new Workbook();
            var styles = wb.AddNewPart<WorkbookStylesPart>();
            styles.Stylesheet = new Stylesheet(
                new NumberingFormats(new NumberingFormat { NumberFormatId = 170, FormatCode = "0.0%" }) { Count = 1 },
                new Fonts(new Font(), new Font(new Bold(), new Color { Rgb = "FFC00000" })) { Count = 2 },
                new Fills(new Fill(new PatternFill { PatternType = PatternValues.None }), new Fill(new PatternFill { PatternType = PatternValues.Gray125 }),
                    new Fill(new PatternFill(new ForegroundColor { Rgb = "FF00B050" }) { PatternType = PatternValues.Solid })) { Count = 3 },
                new Borders(new Border()) { Count = 1 },
                new CellStyleFormats(new CellFormat()) { Count = 1 },
                new CellFormats(
                    new CellFormat(),
                    new CellFormat { FontId = 1, ApplyFont = true },
                    new CellFormat { FillId = 2, NumberFormatId = 170, ApplyFill = true, ApplyNumberFormat = true }) { Count = 3 });
            var sheets = wb.Workbook.AppendChild(new Sheets());
            var report = wb.AddNewPart<WorksheetPart>();
            report.Worksheet = new Worksheet(
                new Columns(new Column { Min = 1, Max = 1, Width = 30, CustomWidth = true }),
                new SheetData(
                    new Row(
                        new Cell { CellReference = "A1", DataType = CellValues.InlineString, StyleIndex = 1, InlineString = new InlineString(new Text("When")) },
                        new Cell { CellReference = "B1", DataType = CellValues.InlineString, StyleIndex = 1, InlineString = new InlineString(new Text("Host")) },
                        new Cell { CellReference = "C1", DataType = CellValues.InlineString, StyleIndex = 1, InlineString = new InlineString(new Text("CPU")) }) { RowIndex = 1 },
                    new Row(new Cell { CellReference = "C2", StyleIndex = 2 }) { RowIndex = 2 }));
            sheets.Append(new Sheet { Name = "Report", SheetId = 1, Id = wb.GetIdOfPart(report) });
            var notes = wb.AddNewPart<WorksheetPart>();
            notes.Worksheet = new Worksheet(new SheetData(
                new Row(new Cell { CellReference = "A1", DataType = CellValues.InlineString, InlineString = new InlineString(new Text("Rows:")) },
                        new Cell { CellReference = "B1", CellFormula = new CellFormula("COUNTA(Report!B:B)-1") }) { RowIndex = 1 }));
            sheets.Append(new Sheet { Name = "Notes", SheetId = 2, Id = wb.GetIdOfPart(notes) });
        }
        return ms.ToArray();
    }

    [Fact]
    public async Task Data_lands_under_the_templates_header_with_its_styles_and_other_sheets_are_kept()
    {
        var errors = new Errors();
        var options = ExcelOptions.Parse(JsonDocument.Parse(JsonSerializer.Serialize(new { template = Convert.ToBase64String(Template()), templateSheet = "Report" })).RootElement, errors);
        Assert.False(errors.Any);
        var path = Path.Combine(_dir, "filled.xlsx");
        await using (var file = File.Create(path))
        {
            var w = (IRowWriter)new XlsxTemplateWriter(Schema, file, options);
            await w.BeginAsync(default);
            var row = new RowBuffer(3);
            for (var i = 0; i < 30; i++)
            {
                row.Times[0] = new DateTime(2026, 1, 1, 0, i, 0, DateTimeKind.Utc); row.Strings[1] = $"web-{i % 3}"; row.Doubles[2] = i / 100.0;
                w.Write(row);
                await w.FlushIfFullAsync(default);
            }
            await w.EndAsync(default);
        }
        // The SDK writes its parts under an "x:" prefix, which exceljs cannot read; the SDK itself reads them back.
        using var doc = SpreadsheetDocument.Open(path, false);
        Assert.Empty(new OpenXmlValidator().Validate(doc));
        var wbPart = doc.WorkbookPart!;
        Cell[] CellsOf(string sheet) => ((WorksheetPart)wbPart.GetPartById(wbPart.Workbook.Sheets!.Elements<Sheet>().Single(s => s.Name == sheet).Id!))
            .Worksheet.Descendants<Cell>().ToArray();
        var report = CellsOf("Report");
        string Text(Cell c) => c.InlineString?.InnerText ?? c.CellValue?.Text ?? "";
        Assert.Equal(["When", "Host", "CPU"], report.Take(3).Select(Text));
        Assert.All(report.Take(3), c => Assert.Equal(1u, c.StyleIndex!.Value));
        Assert.Equal(3 + 30 * 3, report.Length);
        var c6 = report.Single(c => c.CellReference == "A7");
        Assert.Equal(new DateTime(2026, 1, 1, 0, 5, 0), DateTime.FromOADate(double.Parse(Text(c6), System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal("web-2", Text(report.Single(c => c.CellReference == "B7")));
        var cpu = report.Single(c => c.CellReference == "C7");
        Assert.Equal(0.05, double.Parse(Text(cpu), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(2u, cpu.StyleIndex!.Value); // the style row's green 0.0% format
        var formats = wbPart.WorkbookStylesPart!.Stylesheet;
        var dateXf = (CellFormat)formats.CellFormats!.ElementAt((int)c6.StyleIndex!.Value);
        Assert.Equal("yyyy-mm-dd hh:mm:ss", formats.NumberingFormats!.Elements<NumberingFormat>().Single(n => n.NumberFormatId!.Value == dateXf.NumberFormatId!.Value).FormatCode!.Value);
        Assert.Equal(30, wbPart.WorksheetParts.SelectMany(p => p.Worksheet.Descendants<Column>()).Single().Width!.Value);
        Assert.Equal("COUNTA(Report!B:B)-1", CellsOf("Notes").Single(c => c.CellReference == "B1").CellFormula!.Text);
        Assert.True(wbPart.Workbook.CalculationProperties!.FullCalculationOnLoad!.Value);
    }

    [Fact]
    public void A_template_without_the_named_sheet_or_not_a_workbook_is_refused()
    {
        Assert.Equal("The template has no worksheet named 'Missing'.", XlsxTemplate.Check(Template(), "Missing"));
        Assert.Equal("The template is not an .xlsx workbook.", XlsxTemplate.Check("PK not really"u8.ToArray(), "Report"));
    }
}
