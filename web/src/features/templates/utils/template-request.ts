import { isApiError } from "../../../lib/api-client";
import { formatLabel, kindLabel } from "../../../lib/export-labels";
import { describeLast } from "../../../lib/timeframe";

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

export interface RequestSummary {
  /** "CSV · Series · servers". */
  what: string;
  /** "Last 24 hours"; "–" when the request names no relative range. */
  range: string;
}

/** What a template exports, read from its (normalised) envelope without trusting its shape. */
export function summarizeRequest(request: Record<string, unknown>): RequestSummary {
  const kind = text(request.kind) ?? (request.layout && !request.series ? "layout" : "series");
  const inner = record(request[kind]);
  const format = text(request.format) ?? text(inner?.format);
  const subject = kind === "series" ? text(inner?.source) : text(inner?.title);
  const last = record(inner?.timeframe)?.last;
  return {
    what: [format ? formatLabel(format) : undefined, kindLabel(kind), subject].filter(Boolean).join(" · "),
    range: typeof last === "string" ? describeLast(last) : "–",
  };
}

export function requestText(request: unknown): string {
  return JSON.stringify(request, null, 2);
}

/** What "New template" starts from: a series envelope with a relative range, to be completed. */
export function starterRequest(timezone: string): Record<string, unknown> {
  return {
    kind: "series",
    series: {
      source: "",
      metrics: [],
      timeframe: { last: "24h" },
      timezone,
      granularity: "auto",
      format: "csv",
      filename: "{source}-{date:yyyy-MM-dd}",
    },
    format: "csv",
  };
}

export type ParsedRequest = { request: Record<string, unknown> } | { error: string };

/** The request box's text as the object to send, or why it cannot be sent. */
export function parseRequest(value: string): ParsedRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    return { error: `This is not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  const request = record(parsed);
  return request ? { request } : { error: "The request is a JSON object: the export envelope of POST /api/v1/exports." };
}

const OWN_FIELDS = new Set(["name", "description"]);

/**
 * The server's field errors about the request, for the request box: "series.timeframe: A template's time range is
 * relative…". Fields are named inside the body ("request.series.timeframe"); the prefix is dropped.
 */
export function requestErrors(error: unknown): string[] | undefined {
  if (!isApiError(error)) return undefined;
  const messages = Object.entries(error.errors)
    .filter(([field]) => !OWN_FIELDS.has(field.toLowerCase()))
    .flatMap(([field, list]) => {
      const path = field.replace(/^request\.?/i, "");
      return list.map((message) => (path ? `${path}: ${message}` : message));
    });
  return messages.length > 0 ? messages : undefined;
}
