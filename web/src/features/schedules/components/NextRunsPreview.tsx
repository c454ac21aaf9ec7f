import { useId } from "react";
import { isApiError } from "../../../lib/api-client";
import { useSchedulePreview, type PreviewBody } from "../api/preview-schedule";
import { formatZoned } from "../utils/labels";
import "./schedules.css";

/** The time only ("10:00"), in the zone: a wait lasts less than a day. */
function timeIn(value: string, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone }).format(new Date(value));
  } catch {
    return value.slice(11, 16);
  }
}

/**
 * The next runs of the schedule being edited, as the server computes them (the same code that fires it), in its
 * zone, updated as the frequency, cron, zone or window change; a run the window holds back says when it starts.
 * A spec the server refuses says why here too (the fields show it again on save).
 */
export function NextRunsPreview({ body }: { body: PreviewBody }) {
  const titleId = useId();
  const preview = useSchedulePreview(body);
  const zone = preview.data?.timezone ?? body.timezone ?? "UTC";
  const problem = preview.error
    ? isApiError(preview.error)
      ? Object.values(preview.error.errors).flat().join(" ") || preview.error.detail || preview.error.title
      : "The next runs could not be worked out."
    : undefined;

  return (
    <section className="next-runs-preview" aria-labelledby={titleId} aria-busy={preview.isFetching}>
      <h3 id={titleId} className="field-label">
        Next runs
      </h3>
      <div aria-live="polite">
        {problem ? (
          <p className="next-runs-problem">No runs to show: {problem}</p>
        ) : preview.data ? (
          preview.data.runs.length === 0 ? (
            <p className="muted">It never runs.</p>
          ) : (
            <ol className="next-runs-list" aria-label="Next runs preview">
              {preview.data.runs.map((run) => (
                <li key={run.at}>
                  <time dateTime={run.at}>{formatZoned(run.at, zone)}</time>
                  {run.waitsUntil && (
                    <span className="next-runs-wait">
                      {" "}
                      – starts at <time dateTime={run.waitsUntil}>{timeIn(run.waitsUntil, zone)}</time>, when the window opens
                    </span>
                  )}
                </li>
              ))}
            </ol>
          )
        ) : (
          <p className="muted">Working out the next runs…</p>
        )}
      </div>
      <p className="field-hint">In {zone}, as this server will run them; nothing is saved until you save.</p>
    </section>
  );
}
