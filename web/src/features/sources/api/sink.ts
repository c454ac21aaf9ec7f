import { z } from "zod";

/** A source's webhook sinks (/api/v1/sources/{source}/sinks): the record, its deliveries, and what create/update take. */

export const sinkSchema = z.object({
  id: z.string(),
  source: z.string(),
  url: z.string(),
  /** Metric names (points sources); none: every metric. */
  metrics: z.array(z.string()).nullish(),
  /** The exports' filter language, as stored; only shown, and sent back unchanged on edit. */
  filter: z.unknown().optional(),
  batchMs: z.number(),
  maxBatch: z.number(),
  status: z.enum(["active", "paused"]),
  pausedReason: z.string().nullish(),
  pausedAt: z.string().nullish(),
  failingSince: z.string().nullish(),
  lastError: z.string().nullish(),
  deliveredSeq: z.number(),
  nextSequence: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export type Sink = z.infer<typeof sinkSchema>;

/** One batch formed for a sink: its sequence, the live sequences it covers and how sending it went. */
export const sinkDeliverySchema = z.object({
  sequence: z.number(),
  fromSeq: z.number(),
  toSeq: z.number(),
  rows: z.number(),
  status: z.enum(["pending", "delivered", "failed"]),
  attempts: z.number(),
  httpStatus: z.number().nullish(),
  latencyMs: z.number().nullish(),
  lastError: z.string().nullish(),
  note: z.string().nullish(),
  createdAt: z.string(),
  deliveredAt: z.string().nullish(),
});

export type SinkDelivery = z.infer<typeof sinkDeliverySchema>;

/** What POST and PUT take. `secret` is write-only: a PUT without it keeps the stored one; `metrics` left out is every
 * metric; a PUT replaces `filter`, so an edit sends the stored one back. */
export interface SinkBody {
  url: string;
  secret?: string;
  metrics?: string[];
  filter?: unknown;
  batchMs?: number;
  maxBatch?: number;
}

export const sinksQueryKey = (source: string) => ["sources", source, "sinks"] as const;

export function sinksPath(source: string, id?: string): string {
  const base = `/api/v1/sources/${encodeURIComponent(source)}/sinks`;
  return id ? `${base}/${encodeURIComponent(id)}` : base;
}
