/** The one request shape shared by preview and export (POST /api/v1/exports/series[/preview]). */

export const GRANULARITIES = ["auto", "raw", "1m", "5m", "15m", "1h", "1d", "1w", "1mo"] as const;
export type Granularity = (typeof GRANULARITIES)[number];

export const AGGREGATIONS = ["count", "sum", "avg", "min", "max", "p50", "p90", "p95", "p99"] as const;

export const EXPORT_FORMATS = ["csv", "tsv", "json", "jsonl", "parquet", "xlsx", "markdown", "html", "txt"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const COMPRESSIONS = ["none", "gzip", "brotli", "zstd"] as const;
export type Compression = (typeof COMPRESSIONS)[number];

export type Timeframe = { last: string } | { from: string; to: string };

export const FILTER_OPS = [
  "eq",
  "neq",
  "in",
  "nin",
  "gt",
  "gte",
  "lt",
  "lte",
  "between",
  "contains",
  "startsWith",
  "exists",
] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

export type FilterValue = string | number | (string | number)[];
export interface FilterCondition {
  field: string;
  op: FilterOp;
  value?: FilterValue;
}
export type Filter = { and: Filter[] } | { or: Filter[] } | { not: Filter } | FilterCondition;

/** What to read: everything a preview needs. */
export interface ExportQuery {
  source: string;
  metrics?: string[];
  fields?: string[];
  timeframe: Timeframe;
  timezone: string;
  granularity: Granularity;
  filter?: Filter | null;
  groupBy?: string[];
  aggregations?: string[];
}

export type DateFormat = "iso" | "unix" | "unix_ms" | (string & {});
export type Nulls = "include" | "exclude" | "empty";

export interface DelimitedOptions {
  delimiter: "," | ";" | "\t" | "|";
  header: "on" | "off" | "custom";
  headers?: string[];
  quote: "minimal" | "all" | "none";
  escape: "double" | "backslash";
  lineTerminator: "\n" | "\r\n";
  encoding: "utf-8" | "utf-8-bom" | "utf-16" | "ascii";
  dateFormat: DateFormat;
  decimals: number | null;
  decimalSeparator: "." | ",";
  thousandsSeparator: "" | "," | "." | " ";
  formulaGuard: boolean;
}

export interface JsonOptions {
  style: "flat" | "nested" | "normalized";
  pretty: boolean;
  metadata: boolean;
  dateFormat: DateFormat;
  nulls: Nulls;
  decimals: number | null;
}

export interface JsonlOptions {
  dateFormat: DateFormat;
  nulls: Nulls;
  decimals: number | null;
}

/** Codec of the pages inside a Parquet file (the request's top-level `compression` wraps the whole file). */
export const PARQUET_CODECS = ["none", "snappy", "gzip", "brotli", "zstd", "lz4"] as const;
export type ParquetCodec = (typeof PARQUET_CODECS)[number];

export type ParquetType = "timestamp" | "date" | "string" | "double" | "float" | "int64" | "int32" | "boolean";

export interface ParquetColumnOverride {
  name?: string;
  type?: ParquetType;
  required?: boolean;
}

/** Every Parquet option is optional: the server fills in its defaults. */
export interface ParquetOptions {
  compression?: ParquetCodec;
  rowGroupSize?: number;
  pageSize?: number;
  timestampUnit?: "micros" | "millis";
  dictionary?: boolean;
  deltaEncoding?: "auto" | "always" | "never";
  /** Text or whole-number columns; the download becomes a zip of Hive folders (`server=web-01/part-00000.parquet`). */
  partitionBy?: string[];
  metadata?: Record<string, string>;
  schema?: Record<string, ParquetColumnOverride>;
}

export type ConditionalFormatting = "colorScale" | "threshold" | "none";

/** Every Excel option is optional: the server fills in its defaults. */
export interface XlsxOptions {
  sheetName?: string;
  title?: string;
  author?: string;
  /** Excel number format code for time columns. */
  dateFormat?: string;
  /** Excel number format code for decimals. */
  numberFormat?: string;
  freezeHeader?: boolean;
  autoFilter?: boolean;
  alternateRows?: boolean;
  conditionalFormatting?: ConditionalFormatting;
  /** Required with conditionalFormatting "threshold": values above it are highlighted. */
  threshold?: number;
  summary?: boolean;
  chart?: boolean;
  pivot?: boolean;
  rowsPerSheet?: number;
  /** A user's .xlsx file, base64-encoded. */
  template?: string;
  /** The template's sheet that receives the data; required with `template`. */
  templateSheet?: string;
}

export interface HtmlOptions {
  title?: string;
}

export type FormatOptions = DelimitedOptions | JsonOptions | JsonlOptions | ParquetOptions | XlsxOptions | HtmlOptions;

export interface ColumnOptions {
  include?: string[];
  exclude?: string[];
  rename?: Record<string, string>;
  order?: string[];
}

/** How to write it. */
export interface ExportRequest extends ExportQuery {
  shape?: "long" | "wide";
  columns?: ColumnOptions;
  format: ExportFormat;
  formatOptions?: FormatOptions;
  compression?: Compression;
  filename?: string;
}

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

const OP_LABELS: Record<FilterOp, string> = {
  eq: "=",
  neq: "≠",
  in: "in",
  nin: "not in",
  gt: ">",
  gte: "≥",
  lt: "<",
  lte: "≤",
  between: "between",
  contains: "contains",
  startsWith: "starts with",
  exists: "exists",
};

export function filterOpLabel(op: FilterOp): string {
  return OP_LABELS[op];
}

function describeValue(value: FilterValue | undefined): string {
  if (value === undefined) return "";
  if (Array.isArray(value)) return `(${value.join(", ")})`;
  return typeof value === "string" ? `"${value}"` : String(value);
}

/** A one-line, human-readable summary of a filter tree. */
export function describeFilter(filter: Filter | null | undefined): string {
  if (!filter) return "No filters";
  if ("and" in filter) return filter.and.map(describeNested).join(" AND ") || "No filters";
  if ("or" in filter) return filter.or.map(describeNested).join(" OR ") || "No filters";
  if ("not" in filter) return `NOT ${describeNested(filter.not)}`;
  if (filter.op === "between" && Array.isArray(filter.value)) {
    return `${filter.field} between ${filter.value[0]} and ${filter.value[1]}`;
  }
  if (filter.op === "exists") return `${filter.field} exists`;
  return `${filter.field} ${OP_LABELS[filter.op]} ${describeValue(filter.value)}`;
}

function describeNested(filter: Filter): string {
  const text = describeFilter(filter);
  return "field" in filter ? text : `(${text})`;
}
