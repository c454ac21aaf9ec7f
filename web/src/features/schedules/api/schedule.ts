import { z } from "zod";
import { deliveryResultSchema } from "../../../lib/deliveries";

/** Schedules (/api/v1/schedules): a template run on a frequency or cron in a time zone, and its runs. */

export const FREQUENCIES = ["hourly", "daily", "weekly", "monthly"] as const;
export type Frequency = (typeof FREQUENCIES)[number];

export const WEEKDAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One of: hourly at `minute`; daily at `time`; weekly on `days` at `time`; monthly on `dayOfMonth` at `time`. */
export interface FrequencySpec {
  every: Frequency;
  /** hourly: 0-59 past the hour. */
  minute?: number;
  /** daily, weekly, monthly: local "HH:mm". */
  time?: string;
  /** weekly. */
  days?: Weekday[];
  /** monthly: "1".."31" or "last". */
  dayOfMonth?: string;
}

export interface RetryPolicy {
  attempts?: number;
  backoff?: "linear" | "exponential";
  baseDelayMs?: number;
  maxDelayMs?: number;
  jitter?: boolean;
}

/** What POST and PUT /api/v1/schedules take: `frequency` or `cron`, never both. */
export interface ScheduleBody {
  templateId: string;
  name?: string;
  frequency?: FrequencySpec;
  /** Standard 5-field cron, or Quartz's 6 or 7 fields. */
  cron?: string;
  /** IANA, e.g. "Europe/Berlin". */
  timezone: string;
  active: boolean;
  /** "HH:mm-HH:mm": a run due outside waits for the window to open. */
  window?: string;
  startAt?: string;
  endAt?: string;
  retry?: RetryPolicy;
  /** Destination ids: each run's export is delivered to them once it completes. */
  destinations?: string[];
}

/** The body as the server stored it; read leniently, since it is only shown and edited. */
const specSchema = z.object({
  templateId: z.string().nullish(),
  name: z.string().nullish(),
  cron: z.string().nullish(),
  frequency: z
    .object({
      every: z.string().nullish(),
      minute: z.number().nullish(),
      time: z.string().nullish(),
      days: z.array(z.string()).nullish(),
      dayOfMonth: z.string().nullish(),
    })
    .nullish(),
  timezone: z.string().nullish(),
  active: z.boolean().nullish(),
  window: z.string().nullish(),
  startAt: z.string().nullish(),
  endAt: z.string().nullish(),
  destinations: z.array(z.string()).nullish().catch(null),
  retry: z
    .object({
      attempts: z.number().nullish(),
      backoff: z.string().nullish(),
      baseDelayMs: z.number().nullish(),
      maxDelayMs: z.number().nullish(),
      jitter: z.boolean().nullish(),
    })
    .nullish(),
});

export type ScheduleSpec = z.infer<typeof specSchema>;

export const scheduleSchema = z.object({
  id: z.string(),
  templateId: z.string(),
  name: z.string(),
  /** The Quartz cron the frequency became. */
  cron: z.string(),
  timezone: z.string(),
  active: z.boolean(),
  spec: specSchema.catch({}),
  /** The next three fire times with the zone's offset; empty while paused. */
  nextRuns: z.array(z.string()).default([]),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export type Schedule = z.infer<typeof scheduleSchema>;

export const RUN_STATUSES = ["starting", "queued", "refused", "waiting"] as const;

/** One firing (or "Run now") of a schedule, with the state of the export it queued. */
export const runSchema = z.object({
  id: z.string(),
  /** "cron", "manual" or "window" (a tick deferred to its window's opening). */
  trigger: z.string(),
  scheduledFor: z.string(),
  startedAt: z.string(),
  status: z.enum(RUN_STATUSES).or(z.string()),
  error: z.string().nullish(),
  exportId: z.string().nullish(),
  exportStatus: z.string().nullish(),
  fileName: z.string().nullish(),
  sizeBytes: z.number().nullish(),
  rowCount: z.number().nullish(),
  exportError: z.string().nullish(),
  /** Its export's delivery results: empty until the export completes and delivery starts. */
  deliveries: z.array(deliveryResultSchema).default([]),
});

export type ScheduleRun = z.infer<typeof runSchema>;

/** Every schedule query starts with this key. */
export const SCHEDULES_QUERY_KEY = ["schedules"] as const;
export const SCHEDULES_LIST_QUERY_KEY = [...SCHEDULES_QUERY_KEY, "list"] as const;

export function scheduleRunsQueryKey(id: string) {
  return [...SCHEDULES_QUERY_KEY, "runs", id] as const;
}

export function schedulePath(id: string): string {
  return `/api/v1/schedules/${encodeURIComponent(id)}`;
}
