import { useQuery, type QueryClient } from "@tanstack/react-query";
import { z } from "zod";
import { apiJson } from "./api-client";
import type { Compression, ExportRequest } from "./export-request";

/** Background export jobs (/api/v1/exports): the record, its cache entry and the calls every page shares. */

export const JOB_STATUSES = ["pending", "processing", "completed", "failed", "cancelled", "expired"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

const FINAL_STATUSES: ReadonlySet<string> = new Set<JobStatus>(["completed", "failed", "cancelled", "expired"]);

/** A job in a final state changes no more (and its event stream has ended). */
export function isFinalStatus(status: string): boolean {
  return FINAL_STATUSES.has(status);
}

export const jobRecordSchema = z.object({
  id: z.string(),
  ownerId: z.string().nullish(),
  kind: z.string(),
  format: z.string(),
  source: z.string().nullish(),
  title: z.string().default(""),
  status: z.enum(JOB_STATUSES).or(z.string()),
  /** "queued", "querying", "writing", "storing", "done", "cancelling", "waiting to retry", … */
  phase: z.string().default(""),
  /** The stored envelope, as submitted. */
  request: z.unknown().optional(),
  fileName: z.string(),
  mediaType: z.string().nullish(),
  storage: z.string().nullish(),
  estimatedRows: z.number().nullish(),
  estimatedBytes: z.number().nullish(),
  rowsWritten: z.number().default(0),
  bytesWritten: z.number().default(0),
  /** 0-100 against the estimate; null without one. */
  percent: z.number().nullish(),
  sizeBytes: z.number().nullish(),
  rowCount: z.number().nullish(),
  checksum: z.string().nullish(),
  tier: z.string().nullish(),
  error: z.string().nullish(),
  cancelRequested: z.boolean().default(false),
  cancelledBy: z.string().nullish(),
  idempotencyKey: z.string().nullish(),
  attempts: z.number().default(0),
  node: z.string().nullish(),
  createdAt: z.string(),
  updatedAt: z.string(),
  startedAt: z.string().nullish(),
  completedAt: z.string().nullish(),
  expiresAt: z.string().nullish(),
  downloadCount: z.number().default(0),
  lastDownloadedAt: z.string().nullish(),
  durationMs: z.number().nullish(),
  /** A direct download: streamed to the browser as it ran and recorded then; no file is kept. */
  direct: z.boolean().default(false),
});

export type JobRecord = z.infer<typeof jobRecordSchema>;

/** Every export-job query (lists and single jobs) starts with this key. */
export const EXPORT_JOBS_QUERY_KEY = ["export-jobs"] as const;

export function exportJobQueryKey(id: string) {
  return [...EXPORT_JOBS_QUERY_KEY, "detail", id] as const;
}

export function exportJobPath(id: string): string {
  return `/api/v1/exports/${encodeURIComponent(id)}`;
}

/** The finished file; a plain link to it downloads with the session cookie. */
export function exportDownloadUrl(id: string): string {
  return `${exportJobPath(id)}/download`;
}

export function getExportJob(id: string, signal?: AbortSignal): Promise<JobRecord> {
  return apiJson(exportJobPath(id), jobRecordSchema, { signal });
}

/** Any export in one shape, as POST /api/v1/exports takes it; the top-level settings win over the inner request's. */
export interface ExportEnvelope {
  kind: "series" | "layout";
  series?: ExportRequest;
  layout?: unknown;
  format?: string;
  options?: unknown;
  compression?: Compression;
  /** Destination ids the file is delivered to once the export completes. */
  delivery?: { destinations: string[] };
}

/**
 * Starts an export as a background job (202 with the pending record). A repeated `idempotencyKey` answers with the
 * job the first request made instead of starting another.
 */
export function submitExport(
  envelope: ExportEnvelope,
  options: { idempotencyKey?: string | undefined; signal?: AbortSignal | undefined } = {},
): Promise<JobRecord> {
  return apiJson("/api/v1/exports", jobRecordSchema, {
    method: "POST",
    body: envelope,
    headers: options.idempotencyKey ? { "Idempotency-Key": options.idempotencyKey } : {},
    signal: options.signal,
  });
}

/** A random key for Idempotency-Key (randomUUID needs a secure context; fall back to getRandomValues). */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Stores a job in the cache, unless the cache already holds a newer version of it (an event beat a list fetch). */
export function rememberExportJob(client: QueryClient, job: JobRecord): void {
  const key = exportJobQueryKey(job.id);
  const current = client.getQueryData<JobRecord>(key);
  if (current && Date.parse(current.updatedAt) > Date.parse(job.updatedAt)) return;
  client.setQueryData(key, job);
}

/**
 * One job as the cache knows it, starting from `initial` (a list item or a submit answer). It is not fetched again
 * by itself: events, list fetches and actions keep it current through `rememberExportJob`.
 */
export function useExportJob(initial: JobRecord): JobRecord {
  const query = useQuery({
    queryKey: exportJobQueryKey(initial.id),
    queryFn: ({ signal }) => getExportJob(initial.id, signal),
    initialData: initial,
    staleTime: Infinity,
  });
  return query.data;
}
