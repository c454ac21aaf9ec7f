const BYTE_UNITS = ["B", "KB", "MB", "GB", "TB"] as const;

/** 1536 -> "1.5 KB": one decimal below 10 of a unit, none above. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "–";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${value.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}

export function formatCount(count: number): string {
  return new Intl.NumberFormat("en-US").format(count);
}

const INSTANT = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** An ISO instant in the browser's zone and locale ("Nov 22, 2026, 10:00 AM"); "–" without one. */
export function formatInstant(value: string | null | undefined): string {
  if (!value) return "–";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : INSTANT.format(date);
}

const PRECISE = new Map<string, Intl.DateTimeFormat>();

/** An ISO instant to the second with its zone ("Nov 30, 2026, 9:00:05 AM UTC"): for times people compare with
 * logs and with other machines (deliveries, sinks, tokens). In the browser's zone unless one is given; "–" without one. */
export function formatInstantPrecise(value: string | null | undefined, timeZone?: string): string {
  if (!value) return "–";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  const key = timeZone ?? "";
  let format = PRECISE.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(undefined, {
      year: "numeric",
      month: "short",
      day: "numeric",
      hour: "numeric",
      minute: "2-digit",
      second: "2-digit",
      timeZoneName: "short",
      ...(timeZone ? { timeZone } : {}),
    });
    PRECISE.set(key, format);
  }
  return format.format(date);
}
