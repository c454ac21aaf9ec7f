import { describe, expect, it } from "vitest";
import { serversQuery } from "../../../test/fixtures";
import { buildExportRequest, initialSettings, type ExportSettings } from "../utils/export-settings";
import { suggestedFilename } from "../utils/filename";
import { PARQUET_DEFAULTS, XLSX_DEFAULTS } from "../utils/format-defaults";
import { validateOptions } from "../utils/validate-settings";

function settingsFor(format: ExportSettings["format"], change: Partial<ExportSettings> = {}): ExportSettings {
  return { ...initialSettings(serversQuery, format), ...change };
}

const build = (settings: ExportSettings) => buildExportRequest(serversQuery, settings, "timeseries");

describe("buildExportRequest for the new formats", () => {
  it("sends Parquet with its defaults as no formatOptions and no whole-file compression", () => {
    const request = build(settingsFor("parquet"));

    expect(request.format).toBe("parquet");
    expect(request).not.toHaveProperty("formatOptions");
    expect(request.compression).toBe("none");
  });

  it("sends Parquet zstd pages partitioned by server as exactly those two options", () => {
    const request = build(
      settingsFor("parquet", { parquet: { ...PARQUET_DEFAULTS, compression: "zstd", partitionBy: ["server"] } }),
    );

    expect(request.formatOptions).toEqual({ compression: "zstd", partitionBy: ["server"] });
    expect(suggestedFilename({ ...request, filename: "cpu" })).toBe("cpu.zip");
  });

  it("sends every changed Parquet number and switch", () => {
    const request = build(
      settingsFor("parquet", {
        parquet: {
          ...PARQUET_DEFAULTS,
          rowGroupSize: 10_000,
          pageSize: 65_536,
          timestampUnit: "millis",
          dictionary: false,
          deltaEncoding: "never",
        },
      }),
    );

    expect(request.formatOptions).toEqual({
      rowGroupSize: 10_000,
      pageSize: 65_536,
      timestampUnit: "millis",
      dictionary: false,
      deltaEncoding: "never",
    });
    expect(suggestedFilename({ ...request, filename: "cpu" })).toBe("cpu.parquet");
  });

  it("sends Excel highlighting above 80 as conditionalFormatting threshold and threshold 80", () => {
    const request = build(settingsFor("xlsx", { xlsx: { ...XLSX_DEFAULTS, conditionalFormatting: "threshold", threshold: 80 } }));

    expect(request.formatOptions).toEqual({ conditionalFormatting: "threshold", threshold: 80 });
    expect(suggestedFilename({ ...request, filename: "cpu" })).toBe("cpu.xlsx");
  });

  it("drops a threshold left over from an earlier choice of conditional formatting", () => {
    const request = build(settingsFor("xlsx", { xlsx: { ...XLSX_DEFAULTS, conditionalFormatting: "none", threshold: 80 } }));

    expect(request.formatOptions).toEqual({ conditionalFormatting: "none" });
  });

  it("trims Excel text and leaves out empty title and author", () => {
    const request = build(
      settingsFor("xlsx", {
        xlsx: { ...XLSX_DEFAULTS, sheetName: " CPU ", title: "  ", author: " Ops ", numberFormat: "0.000000" },
      }),
    );

    expect(request.formatOptions).toEqual({ sheetName: "CPU", author: "Ops", numberFormat: "0.000000" });
  });

  it("sends Markdown with no options and HTML with its title", () => {
    const markdown = build(settingsFor("markdown"));
    expect(markdown).not.toHaveProperty("formatOptions");
    expect(suggestedFilename({ ...markdown, filename: "cpu" })).toBe("cpu.md");

    const html = build(settingsFor("html", { html: { title: " CPU last day " } }));
    expect(html.formatOptions).toEqual({ title: "CPU last day" });
    expect(suggestedFilename({ ...html, filename: "cpu" })).toBe("cpu.html");

    const txt = build(settingsFor("txt"));
    expect(txt.format).toBe("txt");
    expect(txt).not.toHaveProperty("formatOptions");
    expect(suggestedFilename({ ...txt, filename: "cpu" })).toBe("cpu.txt");
  });
});

describe("validateOptions for the new formats", () => {
  it("rejects an Excel sheet name with a slash and a threshold rule without a threshold", () => {
    const errors = validateOptions(
      settingsFor("xlsx", { xlsx: { ...XLSX_DEFAULTS, sheetName: "Q1/Q2", conditionalFormatting: "threshold" } }),
    );

    expect(errors).toEqual({
      sheetName: ["A sheet name cannot contain [ ] : * ? / \\."],
      threshold: ["Enter the value above which cells are highlighted."],
    });
  });

  it("rejects Excel rows per sheet beyond the sheet limit", () => {
    const errors = validateOptions(settingsFor("xlsx", { xlsx: { ...XLSX_DEFAULTS, rowsPerSheet: 2_000_000 } }));

    expect(errors).toEqual({ rowsPerSheet: ["Use a whole number from 100 to 1,048,575."] });
  });

  it("rejects Parquet sizes out of range and partition columns the export lacks", () => {
    const errors = validateOptions(
      settingsFor("parquet", { parquet: { ...PARQUET_DEFAULTS, rowGroupSize: 0, pageSize: 512, partitionBy: ["time"] } }),
      [
        { name: "time", type: "time" },
        { name: "server", type: "string" },
      ],
    );

    expect(errors).toEqual({
      rowGroupSize: ["Use a whole number from 1 to 10,000,000."],
      pageSize: ["Use a whole number from 1,024 to 67,108,864."],
      partitionBy: ["Not a text or whole-number column of this export: time. Untick it."],
    });
  });

  it("accepts the defaults of every new format", () => {
    for (const format of ["parquet", "xlsx", "markdown", "html", "txt"] as const) {
      expect(validateOptions(settingsFor(format), [{ name: "server", type: "string" }])).toEqual({});
    }
  });
});
