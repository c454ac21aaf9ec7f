using System.Text.Json;
using Exports.Formats.Csv;
using Exports.Formats.Excel;
using Exports.Formats.Json;
using Exports.Formats.Parquet;
using Exports.Formats.Pdf;
using Exports.Formats.Tables;
using Exports.Shared;

namespace Exports.Formats;

/// <summary>A file format: how its options are read and checked, and how its writer is made.
/// New formats (Parquet, Excel, ...) plug in by adding an entry.</summary>
public sealed record FormatSpec(
    string Name,
    string Extension,
    string MediaType,
    string BestFor,
    Func<JsonElement?, Errors, object> ParseOptions,
    Action<object, ExportSchema, Errors> Validate,
    Func<ExportSchema, Stream, object, IRowWriter> Create,
    Func<object, (string Extension, string MediaType)?>? Packaging = null);

public static class FormatCatalog
{
    public static readonly IReadOnlyDictionary<string, FormatSpec> All = new Dictionary<string, FormatSpec>
    {
        ["csv"] = new("csv", ".csv", "text/csv; charset=utf-8", "Spreadsheets and most tools",
            (o, e) => CsvOptions.Parse(o, tsv: false, e), (o, s, e) => ((CsvOptions)o).Validate(s, e),
            (s, st, o) => new CsvRowWriter(s, st, (CsvOptions)o)),
        ["tsv"] = new("tsv", ".tsv", "text/tab-separated-values; charset=utf-8", "Pasting into spreadsheets; text with commas",
            (o, e) => CsvOptions.Parse(o, tsv: true, e), (o, s, e) => ((CsvOptions)o).Validate(s, e),
            (s, st, o) => new CsvRowWriter(s, st, (CsvOptions)o)),
        ["json"] = new("json", ".json", "application/json; charset=utf-8", "APIs and scripts; nested series",
            (o, e) => JsonOptions.Parse(o, lines: false, e), (o, s, e) => ((JsonOptions)o).Validate(s, e),
            (s, st, o) => new JsonRowWriter(s, st, (JsonOptions)o, lines: false)),
        ["jsonl"] = new("jsonl", ".jsonl", "application/x-ndjson", "Large exports into data pipelines",
            (o, e) => JsonOptions.Parse(o, lines: true, e), (o, s, e) => ((JsonOptions)o).Validate(s, e),
            (s, st, o) => new JsonRowWriter(s, st, (JsonOptions)o, lines: true)),
        ["parquet"] = new("parquet", ".parquet", "application/vnd.apache.parquet", "Analytics: DuckDB, Spark, pandas; smallest files",
            (o, e) => ParquetOptions.Parse(o, e), (o, s, e) => ((ParquetOptions)o).Validate(s, e),
            (s, st, o) => new ParquetRowWriter(s, st, (ParquetOptions)o),
            o => ((ParquetOptions)o).PartitionBy.Count > 0 ? (".zip", "application/zip") : null),
        ["xlsx"] = new("xlsx", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel users: styled sheets, summary formulas and a chart",
            (o, e) => ExcelOptions.Parse(o, e), (o, s, e) => ((ExcelOptions)o).Validate(s, e),
            (s, st, o) => ((ExcelOptions)o).Template is null ? new XlsxRowWriter(s, st, (ExcelOptions)o) : new XlsxTemplateWriter(s, st, (ExcelOptions)o)),
        ["markdown"] = new("markdown", ".md", "text/markdown; charset=utf-8", "Pasting a small table into docs, tickets or chat",
            (o, e) => TableOptions.Parse(o, html: false, e), (_, _, _) => { },
            (s, st, o) => new TableRowWriter(s, st, (TableOptions)o, html: false)),
        ["html"] = new("html", ".html", "text/html; charset=utf-8", "A small table to open in a browser or paste into e-mail",
            (o, e) => TableOptions.Parse(o, html: true, e), (_, _, _) => { },
            (s, st, o) => new TableRowWriter(s, st, (TableOptions)o, html: true)),
        ["pdf"] = new("pdf", ".pdf", "application/pdf", "A printable report: the request, then the table on numbered pages",
            (o, e) => PdfReportOptions.Parse(o, e), (_, _, _) => { },
            (s, st, o) => new PdfReportWriter(s, st, (PdfReportOptions)o)),
    };

    public static string MediaTypeFor(FormatSpec f, ExportSchema schema, object options) =>
        options is CsvOptions { Encoding: "utf-16" } ? f.MediaType.Replace("utf-8", "utf-16")
        : options is CsvOptions { Encoding: "ascii" } ? f.MediaType.Replace("utf-8", "us-ascii")
        : f.MediaType;
}
