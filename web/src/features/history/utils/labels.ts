import type { JobStatus } from "../../../lib/export-jobs";

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
  png: "PNG",
  pdf: "PDF",
} as const satisfies Record<string, string>;

export function formatLabel(format: string): string {
  return FORMAT_LABELS[format as keyof typeof FORMAT_LABELS] ?? format.toUpperCase();
}

const INSTANT = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function formatInstant(value: string | null | undefined): string {
  if (!value) return "–";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : INSTANT.format(date);
}

/** 850 -> "850 ms", 4200 -> "4.2 s", 125000 -> "2 min 5 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds > 0 ? `${minutes} min ${seconds} s` : `${minutes} min`;
}
