import { useEffect, useRef, useState } from "react";
import { z } from "zod";
import { ApiError, toApiError } from "../../../lib/api-client";

/** The source's live stream. Signed in, the page needs no stream token: the session cookie is its credential (same
 * origin only), and the owner's signed-in streams count as one token against EXPORTS_LIVE_STREAMS_PER_TOKEN. */
export function liveStreamUrl(source: string): string {
  return `/api/v1/sources/${encodeURIComponent(source)}/stream`;
}

const batchSchema = z.object({
  seq: z.number(),
  fromSeq: z.number().optional(),
  committedAt: z.string(),
  rowCount: z.number(),
  rows: z.array(z.record(z.string(), z.unknown())),
});
const gapSchema = z.object({ from: z.number(), to: z.number() });
const resetSchema = z.object({ lastEventId: z.number(), seq: z.number() });

/** One row as received, for display: its time exactly as the server wrote it (UTC, microseconds), what it is (a
 * point's metric and tags, a record's id) and its value(s) as JSON wrote them. */
export interface LiveRow {
  key: string;
  time: string;
  what: string;
  value: string;
}

export type LiveStatus = "connecting" | "live" | "reconnecting" | "stopped";

export interface LiveFeed {
  status: LiveStatus;
  /** Events (commits, or coalesced runs of them) received since the stream opened. */
  updates: number;
  /** Rows those events carried. */
  rows: number;
  /** The last event's commit time as the server wrote it. */
  lastCommittedAt: string | undefined;
  /** The newest rows first, at most LATEST_ROWS. */
  latest: LiveRow[];
  /** What the stream said besides rows: seqs it lost, or a reset. */
  notice: string | undefined;
  /** Why the server refused or ended the stream (status "stopped"). */
  problem: ApiError | undefined;
}

export const LATEST_ROWS = 20;

const IDLE: LiveFeed = { status: "connecting", updates: 0, rows: 0, lastCommittedAt: undefined, latest: [], notice: undefined, problem: undefined };

function show(value: unknown): string {
  if (value === null || value === undefined) return "null";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** A row of the live log as the page lists it: points are {metric, tags, ts, value}, records {id, timestamp, ...fields}. */
export function toLiveRow(row: Record<string, unknown>, seq: number, index: number): LiveRow {
  const key = `${seq}:${index}`;
  if ("metric" in row && "ts" in row) {
    const tags = row.tags && typeof row.tags === "object" ? Object.entries(row.tags as Record<string, unknown>) : [];
    const what = tags.length > 0 ? `${show(row.metric)} {${tags.map(([k, v]) => `${k}=${show(v)}`).join(", ")}}` : show(row.metric);
    return { key, time: show(row.ts), what, value: show(row.value) };
  }
  const { id, timestamp, ...fields } = row;
  return {
    key,
    time: show(timestamp),
    what: show(id),
    value: Object.entries(fields).map(([k, v]) => `${k}=${show(v)}`).join(", "),
  };
}

function parse<T>(schema: z.ZodType<T>, data: unknown): T | undefined {
  if (typeof data !== "string") return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(data));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Follows a source's live stream while `source` is defined: counts what arrives, keeps the newest rows, and calls
 * `onUpdate` after each event (the page re-reads its chart then, so what it draws is still the server's answer to its
 * query). EventSource reconnects by itself after a drop, resuming after the last event id; when the server refuses or
 * ends the stream for good, the feed reads the refusal's Problem Details once and stops. `attempt` opens it afresh.
 */
export function useLiveFeed(source: string | undefined, onUpdate: () => void, attempt = 0): LiveFeed {
  const [feed, setFeed] = useState<LiveFeed>(IDLE);
  const update = useRef(onUpdate);
  useEffect(() => {
    update.current = onUpdate;
  }, [onUpdate]);

  useEffect(() => {
    setFeed(IDLE);
    if (source === undefined || typeof EventSource === "undefined") return;
    const url = liveStreamUrl(source);
    const events = new EventSource(url);
    const probe = new AbortController();

    const opened = () => setFeed((f) => (f.status === "stopped" ? f : { ...f, status: "live" }));
    const received = (event: Event) => {
      const batch = parse(batchSchema, (event as MessageEvent<unknown>).data);
      if (!batch) return;
      const rows = batch.rows.map((row, i) => toLiveRow(row, batch.seq, i)).reverse();
      setFeed((f) => ({
        ...f,
        status: "live",
        updates: f.updates + 1,
        rows: f.rows + batch.rowCount,
        lastCommittedAt: batch.committedAt,
        latest: [...rows, ...f.latest].slice(0, LATEST_ROWS),
      }));
      update.current();
    };
    const gap = (event: Event) => {
      const lost = parse(gapSchema, (event as MessageEvent<unknown>).data);
      if (!lost) return;
      const which = lost.from === lost.to ? `update ${lost.from}` : `updates ${lost.from}–${lost.to}`;
      setFeed((f) => ({ ...f, notice: `While disconnected, ${which} aged out of the live log (EXPORTS_LIVE_RETENTION_MINUTES); the chart is re-read from the stored data.` }));
      update.current();
    };
    const reset = (event: Event) => {
      const at = parse(resetSchema, (event as MessageEvent<unknown>).data);
      if (!at) return;
      setFeed((f) => ({ ...f, notice: `The live log restarted at update ${at.seq}; the chart is re-read from the stored data.` }));
      update.current();
    };
    const failed = () => {
      if (events.readyState !== EventSource.CLOSED) {
        setFeed((f) => (f.status === "stopped" ? f : { ...f, status: "reconnecting" }));
        return;
      }
      // Refused (a status other than 200): EventSource does not say why, so ask once and show the server's answer.
      void (async () => {
        let problem: ApiError;
        try {
          const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/problem+json" }, signal: probe.signal });
          if (response.ok) {
            probe.abort();
            problem = new ApiError({ status: 0, title: "The live stream ended", detail: "Turn Live on again to reconnect." });
          } else problem = await toApiError(response);
        } catch (error) {
          if (probe.signal.aborted && !(error instanceof ApiError)) return;
          problem = new ApiError({ status: 0, title: "Could not reach the server", detail: error instanceof Error ? error.message : undefined });
        }
        setFeed((f) => ({ ...f, status: "stopped", problem }));
      })();
    };

    events.addEventListener("open", opened);
    events.addEventListener("message", received);
    events.addEventListener("gap", gap);
    events.addEventListener("reset", reset);
    events.addEventListener("error", failed);
    return () => {
      probe.abort();
      events.removeEventListener("open", opened);
      events.removeEventListener("message", received);
      events.removeEventListener("gap", gap);
      events.removeEventListener("reset", reset);
      events.removeEventListener("error", failed);
      events.close();
    };
  }, [source, attempt]);

  return source === undefined ? IDLE : feed;
}
