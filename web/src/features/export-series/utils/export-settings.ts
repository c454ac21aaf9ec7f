import type {
  ColumnOptions,
  Compression,
  DelimitedOptions,
  ExportFormat,
  ExportQuery,
  ExportRequest,
  FormatOptions,
  HtmlOptions,
  JsonOptions,
  JsonlOptions,
  ParquetOptions,
  Timeframe,
  XlsxOptions,
} from "../../../lib/export-request";
import {
  CSV_DEFAULTS,
  HTML_DEFAULTS,
  JSON_DEFAULTS,
  JSONL_DEFAULTS,
  PARQUET_DEFAULTS,
  TSV_DEFAULTS,
  XLSX_DEFAULTS,
  type HtmlSettings,
  type ParquetSettings,
  type XlsxSettings,
} from "./format-defaults";

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
  parquet: ParquetSettings;
  xlsx: XlsxSettings;
  html: HtmlSettings;
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
    parquet: PARQUET_DEFAULTS,
    xlsx: XLSX_DEFAULTS,
    html: HTML_DEFAULTS,
    compression: "none",
    filename: "",
  };
}

/** The request's formatOptions; undefined when the format has none to send. */
export function formatOptionsOf(settings: ExportSettings): FormatOptions | undefined {
  switch (settings.format) {
    case "csv":
    case "tsv": {
      const { headers, ...options } = settings[settings.format];
      if (options.header !== "custom") return options;
      return { ...options, headers: (headers ?? []).map((header) => header.trim()).filter(Boolean) };
    }
    case "json":
    case "jsonl":
      return settings[settings.format];
    case "parquet":
      return nonEmpty(parquetOptions(settings.parquet));
    case "xlsx":
      return nonEmpty(xlsxOptions(settings.xlsx));
    case "html":
      return nonEmpty(htmlOptions(settings.html));
    case "markdown":
    case "txt":
      return undefined;
  }
}

function nonEmpty<T extends object>(options: T): T | undefined {
  return Object.keys(options).length > 0 ? options : undefined;
}

/** The keys of `value` whose values differ from `defaults` (numbers left empty count as unchanged). */
function changed<T extends object, K extends keyof T>(value: T, defaults: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const result: Partial<Pick<T, K>> = {};
  for (const key of keys) {
    if (value[key] !== null && value[key] !== defaults[key]) result[key] = value[key];
  }
  return result;
}

/** "key=value" lines as an object; blank lines are skipped, lines without "=" are left to validation. */
export function parseMetadata(text: string): Record<string, string> {
  const entries: [string, string][] = [];
  for (const line of text.split("\n")) {
    const at = line.indexOf("=");
    if (at > 0) entries.push([line.slice(0, at).trim(), line.slice(at + 1).trim()]);
  }
  return Object.fromEntries(entries);
}

/** Only the Parquet options that differ from the server's defaults. */
export function parquetOptions(parquet: ParquetSettings): ParquetOptions {
  const options = changed(parquet, PARQUET_DEFAULTS, [
    "compression",
    "rowGroupSize",
    "pageSize",
    "timestampUnit",
    "dictionary",
    "deltaEncoding",
  ]) as ParquetOptions;
  if (parquet.partitionBy.length > 0) options.partitionBy = parquet.partitionBy;
  const metadata = parseMetadata(parquet.metadata);
  if (Object.keys(metadata).length > 0) options.metadata = metadata;
  return options;
}

/** Only the Excel options that differ from the server's defaults. */
export function xlsxOptions(xlsx: XlsxSettings): XlsxOptions {
  const trimmed = {
    ...xlsx,
    sheetName: xlsx.sheetName.trim(),
    title: xlsx.title.trim(),
    author: xlsx.author.trim(),
    dateFormat: xlsx.dateFormat.trim(),
    numberFormat: xlsx.numberFormat.trim(),
  };
  const options = changed(trimmed, XLSX_DEFAULTS, [
    "sheetName",
    "title",
    "author",
    "dateFormat",
    "numberFormat",
    "freezeHeader",
    "autoFilter",
    "alternateRows",
    "conditionalFormatting",
    "summary",
    "chart",
    "pivot",
    "rowsPerSheet",
  ]) as XlsxOptions;
  if (xlsx.conditionalFormatting === "threshold" && xlsx.threshold !== null) options.threshold = xlsx.threshold;
  if (xlsx.template) {
    options.template = xlsx.template.base64;
    options.templateSheet = xlsx.templateSheet.trim();
  }
  return options;
}

export function htmlOptions(html: HtmlSettings): HtmlOptions {
  const title = html.title.trim();
  return title ? { title } : {};
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
  const formatOptions = formatOptionsOf(settings);
  return {
    ...previewRequest(query, settings, kind, true),
    ...(formatOptions ? { formatOptions } : {}),
    compression: settings.compression,
    ...(filename ? { filename } : {}),
  };
}

/** The query part of a request: what Explore chooses (source, metrics, range, zone, bucket, filter, grouping). */
export function queryOf(request: ExportRequest): ExportQuery {
  const { source, metrics, fields, timeframe, timezone, granularity, filter, groupBy, aggregations } = request;
  return {
    source,
    ...(metrics ? { metrics } : {}),
    ...(fields ? { fields } : {}),
    timeframe,
    timezone,
    granularity,
    ...(filter ? { filter } : {}),
    ...(groupBy ? { groupBy } : {}),
    ...(aggregations ? { aggregations } : {}),
  };
}

function pick<T extends object>(defaults: T, options: Record<string, unknown> | undefined): T {
  const result = { ...defaults } as Record<string, unknown>;
  for (const [key, value] of Object.entries(options ?? {})) {
    if (key in defaults && (value === null || typeof value !== "object")) result[key] = value;
  }
  return result as T;
}

/**
 * The dialog's settings for a saved request (a template's): the inverse of {@link buildExportRequest}, so that
 * building the request from them gives the same request back.
 */
export function settingsFromRequest(request: ExportRequest): ExportSettings {
  const base = initialSettings(queryOf(request), request.format);
  const options = (request.formatOptions ?? undefined) as Record<string, unknown> | undefined;
  const settings: ExportSettings = {
    ...base,
    shape: request.shape ?? "long",
    excluded: request.columns?.exclude ?? [],
    rename: request.columns?.rename ?? {},
    compression: request.compression ?? "none",
    filename: request.filename ?? "",
  };
  switch (request.format) {
    case "csv":
    case "tsv": {
      const headers = Array.isArray(options?.headers) ? (options.headers as string[]) : undefined;
      settings[request.format] = { ...pick(settings[request.format], options), ...(headers ? { headers } : {}) };
      break;
    }
    case "json":
      settings.json = pick(settings.json, options);
      break;
    case "jsonl":
      settings.jsonl = pick(settings.jsonl, options);
      break;
    case "parquet": {
      const metadata = (options?.metadata ?? {}) as Record<string, string>;
      settings.parquet = {
        ...pick(settings.parquet, options),
        partitionBy: Array.isArray(options?.partitionBy) ? (options.partitionBy as string[]) : [],
        metadata: Object.entries(metadata)
          .map(([key, value]) => `${key}=${value}`)
          .join("\n"),
      };
      break;
    }
    case "xlsx": {
      const template = typeof options?.template === "string" ? options.template : undefined;
      settings.xlsx = {
        ...pick(settings.xlsx, options),
        template: template ? { name: "template.xlsx", size: Math.floor((template.length * 3) / 4), base64: template } : null,
        templateSheet: typeof options?.templateSheet === "string" ? options.templateSheet : "",
      };
      break;
    }
    case "html":
      settings.html = pick(settings.html, options);
      break;
  }
  return settings;
}
