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
});
const rowsSchema = z.object({ rows: z.array(z.record(z.string(), z.unknown())) });
const gapSchema = z.object({ from: z.number(), to: z.number() });
const resetSchema = z.object({ lastEventId: z.number(), seq: z.number() });
const resyncSchema = z.object({ lastEventId: z.number() });

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

/** Marks a number kept as its JSON text (see parseKeepingNumbers). */
const NUMBER = "\u0000";

/**
 * JSON.parse, but every number stays the text the server wrote (marked with a leading NUL): a record's field or
 * array element may hold more digits than a double (the store keeps up to 1000), and a value is shown as stored.
 */
export function parseKeepingNumbers(text: string): unknown {
  let out = "";
  let from = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "-" || (c >= "0" && c <= "9")) {
      let end = i + 1;
      while (end < text.length && /[0-9eE.+-]/.test(text[end]!)) end++;
      out += `${text.slice(from, i)}"\\u0000${text.slice(i, end)}"`;
      from = end;
      i = end - 1;
    }
  }
  return JSON.parse(out + text.slice(from));
}

function show(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return value.startsWith(NUMBER) ? value.slice(1) : value;
  if (Array.isArray(value)) return `[${value.map((item) => (typeof item === "string" && !item.startsWith(NUMBER) ? JSON.stringify(item) : show(item))).join(",")}]`;
  if (typeof value === "object") return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${typeof v === "string" && !v.startsWith(NUMBER) ? JSON.stringify(v) : show(v)}`).join(",")}}`;
  return String(value);
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
  const key = `${attempt}\u0000${source ?? ""}`;
  const [feed, setFeed] = useState<{ key: string; feed: LiveFeed }>({ key: "", feed: IDLE });
  const update = useRef(onUpdate);
  useEffect(() => {
    update.current = onUpdate;
  }, [onUpdate]);

  useEffect(() => {
    if (source === undefined || typeof EventSource === "undefined") return;
    const url = liveStreamUrl(source);
    const events = new EventSource(url);
    const probe = new AbortController();
    const set = (next: (f: LiveFeed) => LiveFeed) =>
      setFeed((current) => {
        // Another stream's state (the previous source or attempt) is never shown under this one.
        const f = current.key === key ? current.feed : IDLE;
        return { key, feed: next(f) };
      });
    set(() => IDLE);

    // Every (re)connection re-reads the chart: what was committed before the stream (re)started is in the stored data.
    const opened = () => {
      set((f) => (f.status === "stopped" ? f : { ...f, status: "live" }));
      update.current();
    };
    const received = (event: Event) => {
      const data = (event as MessageEvent<unknown>).data;
      const batch = parse(batchSchema, data);
      if (!batch) {
        set((f) => ({ ...f, notice: "An update could not be read; the chart is re-read from the stored data." }));
        update.current();
        return;
      }
      // Only the newest rows are kept for the list: an event may carry thousands.
      let newest: LiveRow[] = [];
      try {
        const parsed = rowsSchema.safeParse(parseKeepingNumbers(data as string));
        if (parsed.success) {
          const rows = parsed.data.rows;
          const first = Math.max(0, rows.length - LATEST_ROWS);
          newest = rows.slice(first).map((row, i) => toLiveRow(row, batch.seq, first + i)).reverse();
        }
      } catch {
        newest = [];
      }
      set((f) => ({
        ...f,
        status: "live",
        updates: f.updates + 1,
        rows: f.rows + batch.rowCount,
        lastCommittedAt: batch.committedAt,
        latest: [...newest, ...f.latest].slice(0, LATEST_ROWS),
      }));
      update.current();
    };
    const gap = (event: Event) => {
      const lost = parse(gapSchema, (event as MessageEvent<unknown>).data);
      if (!lost) return;
      const which = lost.from === lost.to ? `update ${lost.from}` : `updates ${lost.from}–${lost.to}`;
      set((f) => ({ ...f, notice: `While disconnected, ${which} aged out of the live log (EXPORTS_LIVE_RETENTION_MINUTES); the chart is re-read from the stored data.` }));
      update.current();
    };
    const reset = (event: Event) => {
      const at = parse(resetSchema, (event as MessageEvent<unknown>).data);
      if (!at) return;
      set((f) => ({ ...f, notice: `The live log restarted at update ${at.seq}; the chart is re-read from the stored data.` }));
      update.current();
    };
    const resync = (event: Event) => {
      if (!parse(resyncSchema, (event as MessageEvent<unknown>).data)) return;
      set((f) => ({
        ...f,
        notice: "The connection was away long enough that rows committed meanwhile may be missing from this list; the chart is re-read from the stored data.",
      }));
      update.current();
    };
    const failed = () => {
      if (events.readyState !== EventSource.CLOSED) {
        set((f) => (f.status === "stopped" ? f : { ...f, status: "reconnecting" }));
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
        if (probe.signal.aborted) return; // this stream was closed meanwhile: its answer is no longer shown
        set((f) => ({ ...f, status: "stopped", problem }));
      })();
    };

    events.addEventListener("open", opened);
    events.addEventListener("message", received);
    events.addEventListener("gap", gap);
    events.addEventListener("reset", reset);
    events.addEventListener("resync", resync);
    events.addEventListener("error", failed);
    return () => {
      probe.abort();
      events.removeEventListener("open", opened);
      events.removeEventListener("message", received);
      events.removeEventListener("gap", gap);
      events.removeEventListener("reset", reset);
      events.removeEventListener("resync", resync);
      events.removeEventListener("error", failed);
      events.close();
    };
  }, [source, attempt, key]);

  return source === undefined || feed.key !== key ? IDLE : feed.feed;
}
