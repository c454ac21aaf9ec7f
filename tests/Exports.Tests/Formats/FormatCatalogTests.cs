using System.Text.Json;
using Exports.Formats;
using Exports.Formats.Csv;
using Exports.Formats.Json;
using Exports.Formats.Parquet;
using Exports.Shared;

namespace Exports.Tests.Formats;

/// <summary>Format options are typed per format: parsed once into the format's own options type, which decides the
/// media type, packaging and row order, with the same JSON names and error keys as before.</summary>
public sealed class FormatCatalogTests
{
    static ExportFormat Parse(string format, string? json, Errors? errors = null) =>
        FormatCatalog.All[format].Parse(json is null ? null : JsonDocument.Parse(json).RootElement, errors ?? new Errors());

    [Fact]
    public void EveryFormat_ParsesIntoItsOwnOptionsType()
    {
        Assert.IsType<CsvOptions>(Assert.IsType<ExportFormat<CsvOptions>>(Parse("csv", null)).Options);
        Assert.Equal('\t', Assert.IsType<ExportFormat<CsvOptions>>(Parse("tsv", null)).Options.Delimiter);
        Assert.True(Assert.IsType<ExportFormat<JsonOptions>>(Parse("json", null)).Options.Metadata);
        Assert.False(Assert.IsType<ExportFormat<JsonOptions>>(Parse("jsonl", null)).Options.Metadata);
        Assert.IsType<ExportFormat<ParquetOptions>>(Parse("parquet", null));
        Assert.Equal(["csv", "tsv", "json", "jsonl", "parquet", "xlsx", "markdown", "html", "txt", "pdf"], FormatCatalog.All.Keys);
        Assert.IsType<ExportFormat<Exports.Formats.Tables.TableOptions>>(Parse("txt", null));
        foreach (var (name, spec) in FormatCatalog.All) Assert.Same(spec, Parse(name, null).Spec);
    }

    [Theory]
    [InlineData("csv", null, "text/csv; charset=utf-8")]
    [InlineData("csv", """{"encoding":"utf-16"}""", "text/csv; charset=utf-16")]
    [InlineData("tsv", """{"encoding":"ascii"}""", "text/tab-separated-values; charset=us-ascii")]
    [InlineData("json", """{"style":"nested"}""", "application/json; charset=utf-8")]
    [InlineData("txt", """{"decimals":2}""", "text/plain; charset=utf-8")]
    public void MediaType_FollowsTheTypedOptions(string format, string? options, string media)
    {
        var errors = new Errors();
        Assert.Equal(media, Parse(format, options, errors).MediaType);
        Assert.False(errors.Any);
    }

    [Fact]
    public void Packaging_IsAZip_OnlyForPartitionedParquet()
    {
        Assert.Null(Parse("parquet", null).Packaging);
        Assert.Equal((".zip", "application/zip"), Parse("parquet", """{"partitionBy":["server"]}""").Packaging);
        Assert.Null(Parse("csv", null).Packaging);
    }

    [Fact]
    public void SeriesMajor_OnlyForNestedJson()
    {
        Assert.True(Parse("json", """{"style":"nested"}""").SeriesMajor);
        Assert.False(Parse("json", """{"style":"flat"}""").SeriesMajor);
        Assert.False(Parse("json", null).SeriesMajor);
        Assert.False(Parse("csv", null).SeriesMajor);
        var errors = new Errors();
        Assert.False(Parse("jsonl", """{"style":"nested"}""", errors).SeriesMajor);
        Assert.Equal(["formatOptions.style"], errors.ToDictionary().Keys);
    }

    [Fact]
    public void BadOptions_KeepTheirKeysAndMessages()
    {
        var errors = new Errors();
        Parse("csv", """{"delimiter":"x","header":"maybe"}""", errors);
        var d = errors.ToDictionary();
        Assert.Equal(["delimiter must be ',', ';', tab or '|'."], d["formatOptions.delimiter"]);
        Assert.Equal(["header must be on, off or custom."], d["formatOptions.header"]);
        errors = new Errors();
        Parse("parquet", """{"partitionBy":"server"}""", errors);
        Assert.Equal(["partitionBy must be an array of column names."], errors.ToDictionary()["formatOptions.partitionBy"]);
    }
}
