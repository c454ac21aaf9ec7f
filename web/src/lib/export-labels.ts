import type { JobStatus } from "./export-jobs";

/** Names of export states, kinds and formats as every page shows them. */

export const STATUS_LABELS: Record<JobStatus, string> = {
  pending: "Pending",
  processing: "Processing",
  completed: "Completed",
  failed: "Failed",
  cancelled: "Cancelled",
  expired: "Expired",
};

export function statusLabel(status: string): string {
  return STATUS_LABELS[status as JobStatus] ?? status;
}

export const KIND_LABELS: Record<"series" | "layout", string> = { series: "Series", layout: "Layout" };

export function kindLabel(kind: string): string {
  return KIND_LABELS[kind as keyof typeof KIND_LABELS] ?? kind;
}

/** Series formats, then the layout (dashboard) formats. */
export const FORMAT_LABELS = {
  csv: "CSV",
  tsv: "TSV",
  json: "JSON",
  jsonl: "JSONL",
  parquet: "Parquet",
  xlsx: "Excel",
  markdown: "Markdown",
  html: "HTML",
  txt: "Plain text",
  png: "PNG",
  pdf: "PDF",
} as const satisfies Record<string, string>;

export function formatLabel(format: string): string {
  return FORMAT_LABELS[format as keyof typeof FORMAT_LABELS] ?? format.toUpperCase();
}
