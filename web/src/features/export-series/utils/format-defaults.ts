import type {
  ConditionalFormatting,
  DelimitedOptions,
  ExportFormat,
  JsonOptions,
  JsonlOptions,
  ParquetCodec,
  ParquetOptions,
} from "../../../lib/export-request";

export const CSV_DEFAULTS: DelimitedOptions = {
  delimiter: ",",
  header: "on",
  quote: "minimal",
  escape: "double",
  lineTerminator: "\n",
  encoding: "utf-8",
  dateFormat: "iso",
  decimals: null,
  decimalSeparator: ".",
  thousandsSeparator: "",
  formulaGuard: true,
};

export const TSV_DEFAULTS: DelimitedOptions = { ...CSV_DEFAULTS, delimiter: "\t" };

export const JSON_DEFAULTS: JsonOptions = {
  style: "flat",
  pretty: false,
  metadata: true,
  dateFormat: "iso",
  nulls: "include",
  decimals: null,
};

export const JSONL_DEFAULTS: JsonlOptions = { dateFormat: "iso", nulls: "include", decimals: null };

/** The Parquet form: numbers are null while their field is empty; metadata is "key=value" lines. */
export interface ParquetSettings {
  compression: ParquetCodec;
  rowGroupSize: number | null;
  pageSize: number | null;
  timestampUnit: NonNullable<ParquetOptions["timestampUnit"]>;
  dictionary: boolean;
  deltaEncoding: NonNullable<ParquetOptions["deltaEncoding"]>;
  partitionBy: string[];
  metadata: string;
}

/** The server's defaults; only what differs from them is sent. */
export const PARQUET_DEFAULTS: ParquetSettings = {
  compression: "snappy",
  rowGroupSize: 122_880,
  pageSize: 1_048_576,
  timestampUnit: "micros",
  dictionary: true,
  deltaEncoding: "auto",
  partitionBy: [],
  metadata: "",
};

export const PARQUET_LIMITS = {
  rowGroupSize: { min: 1, max: 10_000_000 },
  pageSize: { min: 1024, max: 67_108_864 },
} as const;

/** Preview column types a Parquet export can be partitioned by: text and whole numbers. */
const PARTITIONABLE_TYPES = new Set(["string", "text", "long", "int", "integer", "bigint", "int64", "int32"]);

export function isPartitionable(column: { type: string }): boolean {
  return PARTITIONABLE_TYPES.has(column.type.toLowerCase());
}

export interface XlsxTemplate {
  name: string;
  size: number;
  base64: string;
}

/** The Excel form: numbers are null while their field is empty. */
export interface XlsxSettings {
  sheetName: string;
  title: string;
  author: string;
  dateFormat: string;
  numberFormat: string;
  freezeHeader: boolean;
  autoFilter: boolean;
  alternateRows: boolean;
  conditionalFormatting: ConditionalFormatting;
  threshold: number | null;
  summary: boolean;
  chart: boolean;
  pivot: boolean;
  rowsPerSheet: number | null;
  template: XlsxTemplate | null;
  templateSheet: string;
}

/** The server's defaults; only what differs from them is sent. */
export const XLSX_DEFAULTS: XlsxSettings = {
  sheetName: "Data",
  title: "",
  author: "",
  dateFormat: "yyyy-mm-dd hh:mm:ss",
  numberFormat: "#,##0.00",
  freezeHeader: true,
  autoFilter: true,
  alternateRows: true,
  conditionalFormatting: "colorScale",
  threshold: null,
  summary: true,
  chart: true,
  pivot: true,
  rowsPerSheet: 1_048_575,
  template: null,
  templateSheet: "",
};

export const XLSX_LIMITS = {
  sheetName: 31,
  text: 200,
  numberFormat: 64,
  rowsPerSheet: { min: 100, max: 1_048_575 },
} as const;

export interface HtmlSettings {
  title: string;
}

export const HTML_DEFAULTS: HtmlSettings = { title: "" };

export const FORMAT_INFO: Record<ExportFormat, { label: string; bestFor: string }> = {
  csv: { label: "CSV", bestFor: "Best for spreadsheets (Excel, Google Sheets) and most data tools." },
  tsv: { label: "TSV", bestFor: "Best for pasting into spreadsheets and text that contains commas." },
  json: { label: "JSON", bestFor: "Best for APIs and scripts that read the whole file at once." },
  jsonl: { label: "JSONL", bestFor: "Best for large exports: one record per line, streams and appends." },
  parquet: { label: "Parquet", bestFor: "Best for analytics: DuckDB, Spark, pandas; the smallest files." },
  xlsx: { label: "Excel", bestFor: "Best for Excel users: styled sheets, summary formulas and a chart." },
  markdown: { label: "Markdown", bestFor: "Best for pasting a small table into docs, tickets or chat." },
  html: { label: "HTML", bestFor: "Best for a small table to open in a browser or paste into e-mail." },
  txt: { label: "Plain text", bestFor: "Best for reading in a terminal or the body of a plain-text e-mail: aligned columns." },
};

/** Above this many rows a line-per-record format is recommended over a spreadsheet format. */
export const LARGE_EXPORT_ROWS = 1_000_000;

export function recommendFormat(estimatedRows: number | undefined): ExportFormat {
  return estimatedRows !== undefined && estimatedRows > LARGE_EXPORT_ROWS ? "jsonl" : "csv";
}
