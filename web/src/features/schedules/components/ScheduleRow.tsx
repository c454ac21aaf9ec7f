import { useId, useState } from "react";
import { Button } from "../../../components/ui/Button";
import { ConfirmDialog } from "../../../components/ui/ConfirmDialog";
import { MenuButton } from "../../../components/ui/MenuButton";
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

/**
 * One schedule, named by its name: when it runs; Run now and Edit, and a "⋯" menu with Pause/Resume, Show runs and
 * Delete, so the actions take one narrow column. Each cell names its column (data-label) for the card layout of
 * narrow screens.
 */
export function ScheduleRow({ schedule, templateName, runsShown, onShowRuns, onEdit, onDeleted }: ScheduleRowProps) {
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
      <td data-label="Template">{templateName === null ? <span className="muted">Deleted template</span> : (templateName ?? "…")}</td>
      <td data-label="Frequency">
        <div className="export-cell">
          <span>{describeFrequency(schedule.spec, schedule.cron)}</span>
          {window && <span className="export-title">{window}</span>}
        </div>
      </td>
      <td data-label="Time zone">{schedule.timezone}</td>
      <td data-label="Status">
        <span className={`status-badge ${schedule.active ? "status-completed" : "status-paused"}`}>
          {schedule.active ? "Active" : "Paused"}
        </span>
      </td>
      <td data-label="Next runs">
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
      <td className="schedule-actions">
        <div className="row-actions-cell">
          <div className="row-actions">
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
            <span className="schedule-more">
              <MenuButton
                variant="secondary"
                label={
                  <>
                    <span aria-hidden="true">⋯</span>
                    <span className="sr-only">More actions for {schedule.name}</span>
                  </>
                }
                items={[
                  {
                    id: "toggle",
                    label: schedule.active ? "Pause" : "Resume",
                    description: schedule.active ? "Stop running until resumed" : "Run on its schedule again",
                    disabled: toggle.isPending,
                    onSelect: () => toggle.mutate({ id: schedule.id, active: !schedule.active }),
                  },
                  { id: "runs", label: runsShown ? "Hide runs" : "Show runs", onSelect: onShowRuns },
                  { id: "delete", label: "Delete…", separated: true, onSelect: () => setConfirming(true) },
                ]}
              />
            </span>
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
