import type {
  ColumnOptions,
  Compression,
  DelimitedOptions,
  ExportFormat,
  ExportQuery,
  ExportRequest,
  FormatOptions,
  JsonOptions,
  JsonlOptions,
  Timeframe,
} from "../../../lib/export-request";
import { CSV_DEFAULTS, JSON_DEFAULTS, JSONL_DEFAULTS, TSV_DEFAULTS } from "./format-defaults";

export type SourceKind = "timeseries" | "records";

/** What the export dialog lets the user change on top of the Explore query. */
export interface ExportSettings {
  format: ExportFormat;
  timeframe: Timeframe;
  shape: "long" | "wide";
  excluded: string[];
  rename: Record<string, string>;
  csv: DelimitedOptions;
  tsv: DelimitedOptions;
  json: JsonOptions;
  jsonl: JsonlOptions;
  compression: Compression;
  filename: string;
}

export function initialSettings(query: ExportQuery, format: ExportFormat = "csv"): ExportSettings {
  return {
    format,
    timeframe: query.timeframe,
    shape: "long",
    excluded: [],
    rename: {},
    csv: CSV_DEFAULTS,
    tsv: TSV_DEFAULTS,
    json: JSON_DEFAULTS,
    jsonl: JSONL_DEFAULTS,
    compression: "none",
    filename: "",
  };
}

export function formatOptionsOf(settings: ExportSettings): FormatOptions {
  if (settings.format !== "csv" && settings.format !== "tsv") return settings[settings.format];
  const { headers, ...options } = settings[settings.format];
  if (options.header !== "custom") return options;
  return { ...options, headers: (headers ?? []).map((header) => header.trim()).filter(Boolean) };
}

function columnOptions(settings: ExportSettings): ColumnOptions | undefined {
  const excluded = new Set(settings.excluded);
  const rename = Object.fromEntries(
    Object.entries(settings.rename)
      .map(([from, to]) => [from, to.trim()] as const)
      .filter(([from, to]) => to !== "" && to !== from && !excluded.has(from)),
  );
  const columns: ColumnOptions = {};
  if (excluded.size > 0) columns.exclude = settings.excluded;
  if (Object.keys(rename).length > 0) columns.rename = rename;
  return Object.keys(columns).length > 0 ? columns : undefined;
}

/** The part of the request that decides which rows and columns there are (what a preview needs). */
export function previewRequest(
  query: ExportQuery,
  settings: ExportSettings,
  kind: SourceKind,
  withColumns: boolean,
): ExportRequest {
  const columns = withColumns ? columnOptions(settings) : undefined;
  return {
    ...query,
    timeframe: settings.timeframe,
    ...(kind === "timeseries" ? { shape: settings.shape } : {}),
    ...(columns ? { columns } : {}),
    format: settings.format,
  };
}

export function buildExportRequest(query: ExportQuery, settings: ExportSettings, kind: SourceKind): ExportRequest {
  const filename = settings.filename.trim();
  return {
    ...previewRequest(query, settings, kind, true),
    formatOptions: formatOptionsOf(settings),
    compression: settings.compression,
    ...(filename ? { filename } : {}),
  };
}
