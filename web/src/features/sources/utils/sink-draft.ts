import type { Sink, SinkBody } from "../api/sink";

/** The sink form as typed: numbers stay text until sent, so a box can be empty (the server's default). */
export interface SinkDraft {
  url: string;
  /** Empty on edit keeps the stored secret. */
  secret: string;
  /** None chosen: every metric. */
  metrics: string[];
  batchMs: string;
  maxBatch: string;
  /** A stored filter, sent back unchanged (the form does not edit it). */
  filter: unknown;
}

export function newSinkDraft(): SinkDraft {
  return { url: "", secret: "", metrics: [], batchMs: "", maxBatch: "", filter: null };
}

export function draftFromSink(sink: Sink): SinkDraft {
  return {
    url: sink.url,
    secret: "",
    metrics: sink.metrics ?? [],
    batchMs: String(sink.batchMs),
    maxBatch: String(sink.maxBatch),
    filter: sink.filter ?? null,
  };
}

/** A whole number typed in a box, or undefined when empty; anything else is kept as NaN for the form to refuse. */
function whole(text: string): number | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  return /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}

/** What the form can tell before asking the server: numbers that are not whole numbers. */
export function draftErrors(draft: SinkDraft): Partial<Record<"batchMs" | "maxBatch", string>> {
  const errors: Partial<Record<"batchMs" | "maxBatch", string>> = {};
  if (Number.isNaN(whole(draft.batchMs))) errors.batchMs = "A whole number of milliseconds, or empty for 1000.";
  if (Number.isNaN(whole(draft.maxBatch))) errors.maxBatch = "A whole number of rows, or empty for 500.";
  return errors;
}

/** The body for POST (new) or PUT (edit): empty boxes are left out, so the server's defaults (or the stored secret) apply. */
export function toSinkBody(draft: SinkDraft, timeseries: boolean): SinkBody {
  const body: SinkBody = { url: draft.url.trim() };
  if (draft.secret) body.secret = draft.secret;
  if (timeseries && draft.metrics.length > 0) body.metrics = draft.metrics;
  if (draft.filter !== null && draft.filter !== undefined) body.filter = draft.filter;
  const batchMs = whole(draft.batchMs);
  if (batchMs !== undefined) body.batchMs = batchMs;
  const maxBatch = whole(draft.maxBatch);
  if (maxBatch !== undefined) body.maxBatch = maxBatch;
  return body;
}
