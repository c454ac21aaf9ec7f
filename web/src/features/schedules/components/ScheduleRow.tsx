import { useId, useState } from "react";
import { Button } from "../../../components/ui/Button";
import { ConfirmDialog } from "../../../components/ui/ConfirmDialog";
import { errorMessage } from "../../../lib/api-client";
import { useDeleteSchedule } from "../api/delete-schedule";
import { useSetScheduleActive } from "../api/pause-schedule";
import { useRunSchedule } from "../api/run-schedule";
import type { Schedule } from "../api/schedule";
import { describeFrequency, describeWindow, formatZoned } from "../utils/labels";

/** The table's columns, in order; the first is the row header. */
export const SCHEDULE_COLUMNS = ["Schedule", "Template", "Frequency", "Time zone", "Status", "Next runs", "Actions"] as const;

export interface ScheduleRowProps {
  schedule: Schedule;
  /** The template's name; undefined while templates load, null when it no longer exists. */
  templateName: string | null | undefined;
  /** Whether its run history is the one shown. */
  runsShown: boolean;
  runsId: string;
  onShowRuns: () => void;
  onEdit: () => void;
  onDeleted: () => void;
}

/** One schedule, named by its name: when it runs, and Pause/Resume, Run now, Edit, Runs and Delete. */
export function ScheduleRow({ schedule, templateName, runsShown, runsId, onShowRuns, onEdit, onDeleted }: ScheduleRowProps) {
  const nameId = useId();
  const toggle = useSetScheduleActive();
  const run = useRunSchedule();
  const remove = useDeleteSchedule();
  const [confirming, setConfirming] = useState(false);
  const error = toggle.error ?? run.error;
  const window = describeWindow(schedule.spec.window);

  return (
    <tr aria-labelledby={nameId}>
      <th scope="row">
        <span id={nameId} className="template-name">
          {schedule.name}
        </span>
      </th>
      <td>{templateName === null ? <span className="muted">Deleted template</span> : (templateName ?? "…")}</td>
      <td>
        <div className="export-cell">
          <span>{describeFrequency(schedule.spec, schedule.cron)}</span>
          {window && <span className="export-title">{window}</span>}
        </div>
      </td>
      <td>{schedule.timezone}</td>
      <td>
        <span className={`status-badge ${schedule.active ? "status-completed" : "status-paused"}`}>
          {schedule.active ? "Active" : "Paused"}
        </span>
      </td>
      <td>
        {schedule.nextRuns.length > 0 ? (
          <ol className="next-runs" aria-label={`Next runs of ${schedule.name}`}>
            {schedule.nextRuns.map((time) => (
              <li key={time}>
                <time dateTime={time}>{formatZoned(time, schedule.timezone)}</time>
              </li>
            ))}
          </ol>
        ) : (
          <span className="muted">{schedule.active ? "None ahead" : "None while paused"}</span>
        )}
      </td>
      <td>
        <div className="row-actions-cell">
          <div className="row-actions">
            <Button
              size="sm"
              aria-describedby={nameId}
              disabled={toggle.isPending}
              onClick={() => toggle.mutate({ id: schedule.id, active: !schedule.active })}
            >
              {schedule.active ? "Pause" : "Resume"}
            </Button>
            <Button
              size="sm"
              variant="primary"
              aria-describedby={nameId}
              disabled={run.isPending}
              onClick={() => run.mutate(schedule.id, { onSuccess: () => !runsShown && onShowRuns() })}
            >
              Run now
            </Button>
            <Button size="sm" aria-describedby={nameId} onClick={onEdit}>
              Edit
            </Button>
            <Button size="sm" aria-describedby={nameId} aria-expanded={runsShown} aria-controls={runsShown ? runsId : undefined} onClick={onShowRuns}>
              Runs
            </Button>
            <Button size="sm" variant="ghost" aria-describedby={nameId} onClick={() => setConfirming(true)}>
              Delete
            </Button>
          </div>
          <span role="status" className="field-hint">
            {run.isSuccess && (run.data?.status === "refused" ? "The run was refused: see Runs." : "Started: it is the newest of its runs.")}
          </span>
          {error && (
            <p role="alert" className="inline-error">
              {errorMessage(error)}
            </p>
          )}
        </div>
        <ConfirmDialog
          open={confirming}
          title="Delete schedule?"
          description={`“${schedule.name}” stops running and its run history is deleted. Exports it made stay in History.`}
          confirmLabel="Delete schedule"
          busy={remove.isPending}
          error={remove.error}
          onConfirm={() =>
            remove.mutate(schedule.id, {
              onSuccess: () => {
                setConfirming(false);
                onDeleted();
              },
            })
          }
          onCancel={() => {
            remove.reset();
            setConfirming(false);
          }}
        />
      </td>
    </tr>
  );
}
