import type { Timeframe } from "./export-request";

export const TIMEFRAME_PRESETS = ["1h", "6h", "24h", "7d", "30d"] as const;

const UNIT_WORDS: Record<string, [string, string]> = {
  m: ["minute", "minutes"],
  h: ["hour", "hours"],
  d: ["day", "days"],
  w: ["week", "weeks"],
};

/** "24h" -> "Last 24 hours". */
export function describeLast(last: string): string {
  const match = /^(\d+)([mhdw])$/.exec(last);
  if (!match?.[1] || !match[2]) return `Last ${last}`;
  const count = Number(match[1]);
  const words = UNIT_WORDS[match[2]];
  if (!words) return `Last ${last}`;
  return count === 1 ? `Last ${words[0]}` : `Last ${count} ${words[1]}`;
}

export function describeTimeframe(timeframe: Timeframe, locale?: string): string {
  if ("last" in timeframe) return describeLast(timeframe.last);
  const format = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });
  return `${format.format(new Date(timeframe.from))} – ${format.format(new Date(timeframe.to))}`;
}

function pad(value: number): string {
  return String(value).padStart(2, "0");
}

/** Date -> the local "yyyy-MM-ddTHH:mm" a datetime-local input expects. */
export function toDateTimeLocal(date: Date): string {
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

/** A datetime-local value (browser local time) -> ISO 8601 instant, or undefined if invalid. */
export function fromDateTimeLocal(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
