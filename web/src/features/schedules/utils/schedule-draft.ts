import { browserTimeZone } from "../../../lib/export-request";
import {
  FREQUENCIES,
  WEEKDAYS,
  type Frequency,
  type FrequencySpec,
  type RetryPolicy,
  type Schedule,
  type ScheduleBody,
  type Weekday,
} from "../api/schedule";

export type FrequencyChoice = Frequency | "cron";

/** The new-schedule form as typed: numbers and times are kept as the inputs' text until the body is built. */
export interface ScheduleDraft {
  templateId: string;
  name: string;
  every: FrequencyChoice;
  /** hourly: minutes past the hour. */
  minute: string;
  /** daily, weekly, monthly: "HH:mm". */
  time: string;
  days: Weekday[];
  /** "1".."31" or "last". */
  dayOfMonth: string;
  cron: string;
  timezone: string;
  windowFrom: string;
  windowTo: string;
  active: boolean;
  /** Empty retry fields leave the server's defaults. */
  attempts: string;
  backoff: "" | "linear" | "exponential";
  maxDelaySeconds: string;
  /** Destination ids each run's export is delivered to. */
  destinations: string[];
  /** Settings of an edited schedule that the form does not show, sent back as they were. */
  kept: Pick<ScheduleBody, "startAt" | "endAt"> & Pick<RetryPolicy, "baseDelayMs" | "jitter">;
}

export function newDraft(templateId = "", timezone = browserTimeZone()): ScheduleDraft {
  return {
    templateId,
    name: "",
    every: "daily",
    minute: "0",
    time: "09:00",
    days: ["MON"],
    dayOfMonth: "1",
    cron: "",
    timezone,
    windowFrom: "",
    windowTo: "",
    active: true,
    attempts: "",
    backoff: "",
    maxDelaySeconds: "",
    destinations: [],
    kept: {},
  };
}

function isFrequency(value: unknown): value is Frequency {
  return (FREQUENCIES as readonly unknown[]).includes(value);
}

function weekdays(days: readonly string[] | null | undefined): Weekday[] {
  const wanted = new Set((days ?? []).map((day) => day.trim().slice(0, 3).toUpperCase()));
  return WEEKDAYS.filter((day) => wanted.has(day));
}

/** The form for editing a schedule, from the body it was saved with. */
export function draftFromSchedule(schedule: Schedule): ScheduleDraft {
  const { spec } = schedule;
  const frequency = spec.frequency;
  const every: FrequencyChoice = !spec.cron && isFrequency(frequency?.every) ? frequency.every : "cron";
  const [windowFrom = "", windowTo = ""] = spec.window?.split("-").map((part) => part.trim()) ?? [];
  const retry = spec.retry;
  const draft = newDraft(schedule.templateId, schedule.timezone);
  return {
    ...draft,
    name: schedule.name,
    every,
    minute: frequency?.minute != null ? String(frequency.minute) : draft.minute,
    time: frequency?.time ?? draft.time,
    days: frequency?.days ? weekdays(frequency.days) : draft.days,
    dayOfMonth: frequency?.dayOfMonth ?? draft.dayOfMonth,
    // A schedule saved with neither (an older one) shows the Quartz cron it runs on.
    cron: every === "cron" ? (spec.cron ?? schedule.cron) : "",
    windowFrom,
    windowTo,
    active: schedule.active,
    attempts: retry?.attempts != null ? String(retry.attempts) : "",
    backoff: retry?.backoff === "linear" || retry?.backoff === "exponential" ? retry.backoff : "",
    maxDelaySeconds: retry?.maxDelayMs != null ? String(retry.maxDelayMs / 1000) : "",
    destinations: [...new Set(spec.destinations ?? [])],
    kept: {
      ...(spec.startAt ? { startAt: spec.startAt } : {}),
      ...(spec.endAt ? { endAt: spec.endAt } : {}),
      ...(retry?.baseDelayMs != null ? { baseDelayMs: retry.baseDelayMs } : {}),
      ...(retry?.jitter != null ? { jitter: retry.jitter } : {}),
    },
  };
}

function frequencyOf(draft: ScheduleDraft, every: Frequency): FrequencySpec {
  switch (every) {
    case "hourly":
      return draft.minute.trim() === "" ? { every } : { every, minute: Number(draft.minute) };
    case "daily":
      return { every, time: draft.time };
    case "weekly":
      return { every, time: draft.time, days: draft.days };
    case "monthly":
      return { every, time: draft.time, dayOfMonth: draft.dayOfMonth };
  }
}

function retryOf(draft: ScheduleDraft): RetryPolicy | undefined {
  const retry: RetryPolicy = {};
  if (draft.attempts.trim() !== "") retry.attempts = Number(draft.attempts);
  if (draft.backoff) retry.backoff = draft.backoff;
  if (draft.maxDelaySeconds.trim() !== "") retry.maxDelayMs = Math.round(Number(draft.maxDelaySeconds) * 1000);
  if (draft.kept.baseDelayMs !== undefined) retry.baseDelayMs = draft.kept.baseDelayMs;
  if (draft.kept.jitter !== undefined) retry.jitter = draft.kept.jitter;
  return Object.keys(retry).length > 0 ? retry : undefined;
}

/**
 * The body POST/PUT /api/v1/schedules takes: only what the form says, so the server's defaults hold for the rest
 * (no name: the template's; no retry: the node's policy; no destinations: none). The server checks every value.
 */
export function toScheduleBody(draft: ScheduleDraft): ScheduleBody {
  const body: ScheduleBody = { templateId: draft.templateId, timezone: draft.timezone.trim(), active: draft.active };
  const name = draft.name.trim();
  if (name) body.name = name;
  if (draft.every === "cron") body.cron = draft.cron.trim();
  else body.frequency = frequencyOf(draft, draft.every);
  // One end alone is sent as typed, for the server to say what a window needs.
  if (draft.windowFrom || draft.windowTo) body.window = `${draft.windowFrom}-${draft.windowTo}`;
  if (draft.kept.startAt) body.startAt = draft.kept.startAt;
  if (draft.kept.endAt) body.endAt = draft.kept.endAt;
  const retry = retryOf(draft);
  if (retry) body.retry = retry;
  // A PUT replaces the schedule's settings: leaving them out delivers nowhere.
  if (draft.destinations.length > 0) body.destinations = draft.destinations;
  return body;
}
