import { WEEKDAYS, type ScheduleRun, type ScheduleSpec } from "../api/schedule";

export const WEEKDAY_NAMES: Record<(typeof WEEKDAYS)[number], string> = {
  MON: "Monday",
  TUE: "Tuesday",
  WED: "Wednesday",
  THU: "Thursday",
  FRI: "Friday",
  SAT: "Saturday",
  SUN: "Sunday",
};

function list(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/**
 * "Every day at 09:00", "Every weekday at 07:30", "Every Monday and Friday at 18:00", "Every hour at :15",
 * "Monthly on the last day at 06:00", "Cron 30 9 * * 1-5"; `cron` (Quartz) when the spec names neither.
 */
export function describeFrequency(spec: ScheduleSpec, cron: string): string {
  if (spec.cron) return `Cron ${spec.cron}`;
  const frequency = spec.frequency;
  const at = frequency?.time ? ` at ${frequency.time}` : "";
  switch (frequency?.every) {
    case "hourly": {
      const minute = frequency.minute ?? 0;
      return minute === 0 ? "Every hour, on the hour" : `Every hour at :${String(minute).padStart(2, "0")}`;
    }
    case "daily":
      return `Every day${at}`;
    case "weekly": {
      const days = (frequency.days ?? []).map((day) => day.slice(0, 3).toUpperCase());
      const set = new Set(days);
      if (set.size === 5 && ["MON", "TUE", "WED", "THU", "FRI"].every((day) => set.has(day))) return `Every weekday${at}`;
      if (set.size === 2 && set.has("SAT") && set.has("SUN")) return `Every weekend day${at}`;
      const names = WEEKDAYS.filter((day) => set.has(day)).map((day) => WEEKDAY_NAMES[day]);
      return `Every ${list(names)}${at}`;
    }
    case "monthly":
      return frequency.dayOfMonth === "last"
        ? `Monthly on the last day${at}`
        : `Monthly on day ${frequency.dayOfMonth ?? "1"}${at}`;
    default:
      return `Cron ${cron}`;
  }
}

/** "08:00-18:00" -> "Only between 08:00 and 18:00". */
export function describeWindow(window: string | null | undefined): string | undefined {
  if (!window) return undefined;
  const [from, to] = window.split("-").map((part) => part.trim());
  return from && to ? `Only between ${from} and ${to}` : `Only within ${window}`;
}

const zoned = new Map<string, Intl.DateTimeFormat>();

function zonedFormat(timeZone: string): Intl.DateTimeFormat {
  let format = zoned.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat(undefined, {
      weekday: "short",
      year: "numeric",
      month: "short",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      timeZone,
      timeZoneName: "short",
    });
    zoned.set(timeZone, format);
  }
  return format;
}

/**
 * An instant as the wall clock of the schedule's zone reads it: "Mon, Nov 23, 2026, 09:00 GMT+1". A zone the
 * browser does not know shows the date and time the server wrote, with its offset.
 */
export function formatZoned(value: string, timeZone: string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  try {
    return zonedFormat(timeZone).format(date);
  } catch {
    return value.replace("T", " ").replace(/:\d\d(\.\d+)?(?=[+\-Z]|$)/, "");
  }
}

const RUN_STATUS_LABELS: Record<string, string> = {
  starting: "Starting",
  queued: "Queued",
  refused: "Refused",
  waiting: "Waiting for its window",
};

export function runStatusLabel(status: string): string {
  return RUN_STATUS_LABELS[status] ?? status;
}

/** The badge colour of a run's own state (its export's has its own). */
export function runStatusClass(status: ScheduleRun["status"]): string {
  if (status === "refused") return "status-failed";
  if (status === "starting" || status === "waiting") return "status-processing";
  return "";
}

const TRIGGER_LABELS: Record<string, string> = { cron: "On schedule", manual: "Run now", window: "When the window opened" };

export function triggerLabel(trigger: string): string {
  return TRIGGER_LABELS[trigger] ?? trigger;
}
