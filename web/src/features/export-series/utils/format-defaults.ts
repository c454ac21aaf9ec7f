import type { DelimitedOptions, ExportFormat, JsonOptions, JsonlOptions } from "../../../lib/export-request";

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

export const FORMAT_INFO: Record<ExportFormat, { label: string; bestFor: string }> = {
  csv: { label: "CSV", bestFor: "Best for spreadsheets (Excel, Google Sheets) and most data tools." },
  tsv: { label: "TSV", bestFor: "Best for pasting into spreadsheets and text that contains commas." },
  json: { label: "JSON", bestFor: "Best for APIs and scripts that read the whole file at once." },
  jsonl: { label: "JSONL", bestFor: "Best for large exports: one record per line, streams and appends." },
};

/** Above this many rows a line-per-record format is recommended over a spreadsheet format. */
export const LARGE_EXPORT_ROWS = 1_000_000;

export function recommendFormat(estimatedRows: number | undefined): ExportFormat {
  return estimatedRows !== undefined && estimatedRows > LARGE_EXPORT_ROWS ? "jsonl" : "csv";
}
