import { formatBytes, formatCount } from "../../../lib/format";

/** 850 -> "850 ms", 4200 -> "4.2 s", 125000 -> "2 min 5 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds > 0 ? `${minutes} min ${seconds} s` : `${minutes} min`;
}

/** What a timeline step carries that its label can use (TimelineEvent from the timeline endpoint). */
export interface TimelineStep {
  type: string;
  attempt?: number | null | undefined;
  node?: string | null | undefined;
  recoveredFrom?: string | null | undefined;
  by?: string | null | undefined;
  error?: string | null | undefined;
  rows?: number | null | undefined;
  bytes?: number | null | undefined;
}

function rowsText(rows: number): string {
  return rows === 1 ? "1 row" : `${formatCount(rows)} rows`;
}

/**
 * A timeline step as a sentence: "Queued", "Started (attempt 2, on node b, taken over from a)", "Retrying: <error>",
 * "Completed: 3,000 rows, 120 KB", "Failed: <error>", "Cancellation requested by ana", "Cancelled by ana", "Expired".
 * The first attempt's number is left out; an unknown kind is shown as the server names it.
 */
export function timelineLabel(step: TimelineStep): string {
  switch (step.type) {
    case "queued":
      return "Queued";
    case "started": {
      const about = [
        step.attempt != null && step.attempt > 1 ? `attempt ${step.attempt}` : undefined,
        step.node ? `on node ${step.node}` : undefined,
        step.recoveredFrom ? `taken over from ${step.recoveredFrom}` : undefined,
      ].filter(Boolean);
      return about.length > 0 ? `Started (${about.join(", ")})` : "Started";
    }
    case "retrying":
      return step.error ? `Retrying: ${step.error}` : "Retrying";
    case "completed": {
      const about = [step.rows != null ? rowsText(step.rows) : undefined, step.bytes != null ? formatBytes(step.bytes) : undefined].filter(Boolean);
      return about.length > 0 ? `Completed: ${about.join(", ")}` : "Completed";
    }
    case "failed":
      return step.error ? `Failed: ${step.error}` : "Failed";
    case "cancelRequested":
      return step.by ? `Cancellation requested by ${step.by}` : "Cancellation requested";
    case "cancelled":
      return step.by ? `Cancelled by ${step.by}` : "Cancelled";
    case "expired":
      return "Expired";
    default:
      return step.type;
  }
}
