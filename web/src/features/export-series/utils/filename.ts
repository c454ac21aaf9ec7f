import type { Compression, ExportFormat, ExportRequest, ParquetOptions } from "../../../lib/export-request";

const COMPRESSION_SUFFIX: Record<Compression, string> = { none: "", gzip: ".gz", brotli: ".br", zstd: ".zst" };

const FORMAT_EXTENSION: Record<ExportFormat, string> = {
  csv: ".csv",
  tsv: ".tsv",
  json: ".json",
  jsonl: ".jsonl",
  parquet: ".parquet",
  xlsx: ".xlsx",
  markdown: ".md",
  html: ".html",
  txt: ".txt",
};

/** The file's extension; a partitioned Parquet export is a zip of Hive folders. */
export function fileExtension(format: ExportFormat, compression: Compression = "none", partitioned = false): string {
  const extension = format === "parquet" && partitioned ? ".zip" : FORMAT_EXTENSION[format];
  return `${extension}${COMPRESSION_SUFFIX[compression]}`;
}

export function isPartitioned(request: Pick<ExportRequest, "format" | "formatOptions">): boolean {
  return request.format === "parquet" && ((request.formatOptions as ParquetOptions | undefined)?.partitionBy?.length ?? 0) > 0;
}

function stamp(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}-${pad(date.getHours())}${pad(date.getMinutes())}`;
}

/** The base name used when the user gives none, e.g. "servers-20261122-0930". */
export function defaultBaseName(source: string, now: Date = new Date()): string {
  return `${source}-${stamp(now)}`;
}

/** A file name to fall back on when the server sends no Content-Disposition. */
export function suggestedFilename(request: ExportRequest, now: Date = new Date()): string {
  const base = request.filename?.trim() || defaultBaseName(request.source, now);
  const extension = fileExtension(request.format, request.compression, isPartitioned(request));
  return base.toLowerCase().endsWith(extension) ? base : `${base}${extension}`;
}
