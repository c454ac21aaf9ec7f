/** Webhook sinks and stream tokens as the API answers them (GET /api/v1/sources/{source}/sinks, /stream-tokens). */

export type SinkJson = Record<string, unknown> & { id: string; url: string };

export function sinkJson(overrides: Partial<SinkJson> & { id: string; url: string }): SinkJson {
  return {
    source: "servers",
    metrics: null,
    filter: null,
    batchMs: 1000,
    maxBatch: 500,
    status: "active",
    pausedReason: null,
    pausedAt: null,
    failingSince: null,
    lastError: null,
    deliveredSeq: 0,
    nextSequence: 1,
    createdAt: "2026-11-30T09:00:00+00:00",
    updatedAt: "2026-11-30T09:00:00+00:00",
    ...overrides,
  };
}

export const ACTIVE_SINK = sinkJson({
  id: "0193a1b2-0000-7000-8000-000000000001",
  url: "https://hooks.example.com/cpu",
  metrics: ["cpu_percent"],
  filter: { field: "server", op: "eq", value: "web-01" },
  batchMs: 250,
  maxBatch: 100,
  deliveredSeq: 41,
  nextSequence: 8,
});

export const PAUSED_SINK = sinkJson({
  id: "0193a1b2-0000-7000-8000-000000000002",
  url: "https://hooks.example.com/gone",
  status: "paused",
  pausedAt: "2026-11-30T10:00:00+00:00",
  pausedReason: "The receiver answered 404 Not Found: a 4xx other than 408 and 429 is permanent.",
  failingSince: "2026-11-30T09:58:00+00:00",
  lastError: "HTTP 404",
});

export const FAILING_SINK = sinkJson({
  id: "0193a1b2-0000-7000-8000-000000000003",
  url: "https://hooks.example.com/flaky",
  failingSince: "2026-11-30T09:30:00+00:00",
  lastError: "HTTP 503 Service Unavailable",
});

export function deliveryJson(sequence: number, overrides: Record<string, unknown> = {}) {
  return {
    sequence,
    fromSeq: sequence * 10,
    toSeq: sequence * 10 + 2,
    rows: 3,
    status: "delivered",
    attempts: 1,
    httpStatus: 200,
    latencyMs: 12,
    lastError: null,
    note: null,
    createdAt: "2026-11-30T09:00:00+00:00",
    deliveredAt: "2026-11-30T09:00:01+00:00",
    ...overrides,
  };
}

export function tokenJson(overrides: Record<string, unknown> & { id: string; name: string }) {
  return {
    prefix: "lst_ab12",
    origins: [] as string[],
    createdAt: "2026-11-30T09:00:00+00:00",
    expiresAt: "2099-12-30T09:00:00+00:00",
    revokedAt: null as string | null,
    ...overrides,
  };
}

export const WALLBOARD_TOKEN = tokenJson({ id: "t-wall", name: "wallboard", prefix: "lst_wa11", origins: ["https://wall.example.com"] });
export const REVOKED_TOKEN = tokenJson({ id: "t-old", name: "old kiosk", prefix: "lst_o1d0", revokedAt: "2026-11-30T11:00:00+00:00" });

/** The short name of the zone the tests run in at that instant ("UTC", "EST", "GMT+1"), as a pattern's text. */
export function zonePattern(iso: string): string {
  const zone = new Intl.DateTimeFormat(undefined, { timeZoneName: "short" })
    .formatToParts(new Date(iso))
    .find((part) => part.type === "timeZoneName")!.value;
  return zone.replace(/[+]/g, "\\+");
}
