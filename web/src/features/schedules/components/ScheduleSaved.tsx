import { useEffect, useId, useRef } from "react";
import { Button } from "../../../components/ui/Button";
import { errorMessage } from "../../../lib/api-client";
import { useNextRuns } from "../api/next-runs";
import type { Schedule } from "../api/schedule";
import { describeFrequency, formatZoned } from "../utils/labels";

export interface ScheduleSavedProps {
  schedule: Schedule;
  created: boolean;
  onDone: () => void;
}

/** What a saved schedule will do: its frequency in words and its next five runs as the server works them out. */
export function ScheduleSaved({ schedule, created, onDone }: ScheduleSavedProps) {
  const titleId = useId();
  const nextId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const next = useNextRuns(schedule.id, 5);
  // The form that had focus is gone: announce the outcome instead.
  useEffect(() => headingRef.current?.focus(), []);

  return (
    <section className="stack-tight schedule-saved" aria-labelledby={titleId}>
      <h2 ref={headingRef} id={titleId} tabIndex={-1} className="section-title">
        {created ? "Schedule created" : "Schedule saved"}
      </h2>
      <p>
        <strong>{schedule.name}</strong>: {describeFrequency(schedule.spec, schedule.cron)}, {schedule.timezone}.
        {!schedule.active && " It is paused: it runs once resumed."}
      </p>
      <h3 id={nextId} className="section-label">
        Next runs
      </h3>
      {next.isPending ? (
        <p role="status" className="muted">
          Working out the next runs…
        </p>
      ) : next.isError ? (
        <p role="alert" className="inline-error">
          {errorMessage(next.error)}
        </p>
      ) : next.data.length === 0 ? (
        <p className="muted">No runs ahead: its end date has passed.</p>
      ) : (
        <ol className="next-runs" aria-labelledby={nextId}>
          {next.data.map((time) => (
            <li key={time}>
              <time dateTime={time}>{formatZoned(time, schedule.timezone)}</time>
            </li>
          ))}
        </ol>
      )}
      <div>
        <Button variant="primary" onClick={onDone}>
          Done
        </Button>
      </div>
    </section>
  );
}
