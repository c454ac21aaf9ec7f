using System.Text.Json;
using Exports.Formats.Csv;
using Exports.Formats.Excel;
using Exports.Formats.Json;
using Exports.Formats.Parquet;
using Exports.Formats.Pdf;
using Exports.Formats.Tables;
using Exports.Shared;

namespace Exports.Formats;

/// <summary>A file format: its name and file type, and how a request's <c>formatOptions</c> are read into the
/// format's own options type (<see cref="FormatSpec{TOptions}"/>). New formats plug in by adding an entry.</summary>
public abstract class FormatSpec(string name, string extension, string mediaType, string bestFor)
{
    public string Name { get; } = name;
    public string Extension { get; } = extension;
    public string MediaType { get; } = mediaType;
    public string BestFor { get; } = bestFor;

    /// <summary>Reads <paramref name="options"/> (null: the defaults) into this format's typed options, bound to
    /// the format; problems go to <paramref name="errors"/> under <c>formatOptions.*</c>.</summary>
    public abstract ExportFormat Parse(JsonElement? options, Errors errors);
}

/// <summary>A format whose options are <typeparamref name="TOptions"/>: parsed once, then handed typed to its
/// validator and writer.</summary>
public sealed class FormatSpec<TOptions>(
    string name, string extension, string mediaType, string bestFor,
    Func<JsonElement?, Errors, TOptions> parse,
    Func<ExportSchema, Stream, TOptions, IRowWriter> create) : FormatSpec(name, extension, mediaType, bestFor)
    where TOptions : notnull
{
    /// <summary>Checks the options against the export's columns (after planning).</summary>
    public Action<TOptions, ExportSchema, Errors> Validate { get; init; } = (_, _, _) => { };
    /// <summary>The file's extension and type when the options package it (a zip of partitions), else null.</summary>
    public Func<TOptions, (string Extension, string MediaType)?> Packaging { get; init; } = _ => null;
    /// <summary>The media type for these options (a text encoding changes the charset).</summary>
    public Func<TOptions, string, string> MediaTypeFor { get; init; } = (_, media) => media;
    /// <summary>Whether the writer wants each series' rows together instead of time order.</summary>
    public Func<TOptions, bool> SeriesMajor { get; init; } = _ => false;
    /// <summary>Whether the file embeds the request as it was spelled (metadata): true unless the format says it
    /// does not, so the result cache never serves one request's text for another's.</summary>
    public Func<TOptions, bool> EmbedsRequest { get; init; } = _ => true;

    public TOptions ParseOptions(JsonElement? options, Errors errors) => parse(options, errors);
    public IRowWriter Create(ExportSchema schema, Stream output, TOptions options) => create(schema, output, options);
    public override ExportFormat Parse(JsonElement? options, Errors errors) => new ExportFormat<TOptions>(this, parse(options, errors));
}

/// <summary>A format with the options a request chose, typed: what an export carries from validation to its writer.</summary>
public abstract class ExportFormat
{
    public abstract FormatSpec Spec { get; }
    public string Name => Spec.Name;
    public string Extension => Spec.Extension;
    /// <summary>Checks the options against the export's columns.</summary>
    public abstract void Validate(ExportSchema schema, Errors errors);
    /// <summary>A writer of this format with these options.</summary>
    public abstract IRowWriter Create(ExportSchema schema, Stream output);
    /// <summary>The file's extension and media type when the options package it differently, else null.</summary>
    public abstract (string Extension, string MediaType)? Packaging { get; }
    /// <summary>The media type of the (uncompressed, unpackaged) file.</summary>
    public abstract string MediaType { get; }
    /// <summary>Whether rows should come series by series (nested JSON) rather than in time order.</summary>
    public abstract bool SeriesMajor { get; }
    /// <summary>Whether the file holds the request as it was spelled (JSON metadata, Parquet key-value metadata, the
    /// workbook's metadata sheet, the PDF's request).</summary>
    public abstract bool EmbedsRequest { get; }
}

public sealed class ExportFormat<TOptions>(FormatSpec<TOptions> spec, TOptions options) : ExportFormat where TOptions : notnull
{
    public override FormatSpec Spec => spec;
    public TOptions Options => options;
    public override void Validate(ExportSchema schema, Errors errors) => spec.Validate(options, schema, errors);
    public override IRowWriter Create(ExportSchema schema, Stream output) => spec.Create(schema, output, options);
    public override (string Extension, string MediaType)? Packaging => spec.Packaging(options);
    public override string MediaType => spec.MediaTypeFor(options, spec.MediaType);
    public override bool SeriesMajor => spec.SeriesMajor(options);
    public override bool EmbedsRequest => spec.EmbedsRequest(options);
}

public static class FormatCatalog
{
    static string CsvMediaType(CsvOptions o, string media) => o.Encoding switch
    {
        "utf-16" => media.Replace("utf-8", "utf-16"),
        "ascii" => media.Replace("utf-8", "us-ascii"),
        _ => media,
    };

    public static readonly FormatSpec<CsvOptions> Csv = new("csv", ".csv", "text/csv; charset=utf-8", "Spreadsheets and most tools",
        (o, e) => CsvOptions.Parse(o, tsv: false, e), (s, st, o) => new CsvRowWriter(s, st, o))
    { Validate = (o, s, e) => o.Validate(s, e), MediaTypeFor = CsvMediaType, EmbedsRequest = _ => false };

    public static readonly FormatSpec<CsvOptions> Tsv = new("tsv", ".tsv", "text/tab-separated-values; charset=utf-8", "Pasting into spreadsheets; text with commas",
        (o, e) => CsvOptions.Parse(o, tsv: true, e), (s, st, o) => new CsvRowWriter(s, st, o))
    { Validate = (o, s, e) => o.Validate(s, e), MediaTypeFor = CsvMediaType, EmbedsRequest = _ => false };

    public static readonly FormatSpec<JsonOptions> Json = new("json", ".json", "application/json; charset=utf-8", "APIs and scripts; nested series",
        (o, e) => JsonOptions.Parse(o, lines: false, e), (s, st, o) => new JsonRowWriter(s, st, o, lines: false))
    { Validate = (o, s, e) => o.Validate(s, e), SeriesMajor = o => o.Style == "nested", EmbedsRequest = o => o.Metadata };

    public static readonly FormatSpec<JsonOptions> JsonLines = new("jsonl", ".jsonl", "application/x-ndjson", "Large exports into data pipelines",
        (o, e) => JsonOptions.Parse(o, lines: true, e), (s, st, o) => new JsonRowWriter(s, st, o, lines: true))
    { Validate = (o, s, e) => o.Validate(s, e), EmbedsRequest = o => o.Metadata };

    public static readonly FormatSpec<ParquetOptions> Parquet = new("parquet", ".parquet", "application/vnd.apache.parquet", "Analytics: DuckDB, Spark, pandas; smallest files",
        ParquetOptions.Parse, (s, st, o) => new ParquetRowWriter(s, st, o))
    { Validate = (o, s, e) => o.Validate(s, e), Packaging = o => o.PartitionBy.Count > 0 ? (".zip", "application/zip") : null };

    public static readonly FormatSpec<ExcelOptions> Xlsx = new("xlsx", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel users: styled sheets, summary formulas and a chart",
        ExcelOptions.Parse, (s, st, o) => o.Template is null ? new XlsxRowWriter(s, st, o) : new XlsxTemplateWriter(s, st, o))
    { Validate = (o, s, e) => o.Validate(s, e) };

    public static readonly FormatSpec<TableOptions> Markdown = new("markdown", ".md", "text/markdown; charset=utf-8", "Pasting a small table into docs, tickets or chat",
        (o, e) => TableOptions.Parse(o, TableStyle.Markdown, e), (s, st, o) => new TableRowWriter(s, st, o, html: false))
    { EmbedsRequest = _ => false };

    public static readonly FormatSpec<TableOptions> Html = new("html", ".html", "text/html; charset=utf-8", "A small table to open in a browser or paste into e-mail",
        (o, e) => TableOptions.Parse(o, TableStyle.Html, e), (s, st, o) => new TableRowWriter(s, st, o, html: true))
    { EmbedsRequest = _ => false };

    public static readonly FormatSpec<TableOptions> Text = new("txt", ".txt", "text/plain; charset=utf-8", "Reading in a terminal or in the body of a plain-text e-mail",
        (o, e) => TableOptions.Parse(o, TableStyle.Text, e), (s, st, o) => new TextTableWriter(s, st, o))
    { EmbedsRequest = _ => false };

    public static readonly FormatSpec<PdfReportOptions> Pdf = new("pdf", ".pdf", "application/pdf", "A printable report: the request, then the table on numbered pages",
        PdfReportOptions.Parse, (s, st, o) => new PdfReportWriter(s, st, o));

    public static readonly IReadOnlyDictionary<string, FormatSpec> All =
        new FormatSpec[] { Csv, Tsv, Json, JsonLines, Parquet, Xlsx, Markdown, Html, Text, Pdf }.ToDictionary(f => f.Name);
}
