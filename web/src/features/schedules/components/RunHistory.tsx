import { useId } from "react";
import { DeliveryList } from "../../../components/DeliveryList";
import { JobProgress } from "../../../components/JobProgress";
import { Button } from "../../../components/ui/Button";
import { errorMessage } from "../../../lib/api-client";
import { exportDownloadUrl, isFinalStatus } from "../../../lib/export-jobs";
import { statusLabel } from "../../../lib/export-labels";
import { formatBytes, formatCount, formatInstant } from "../../../lib/format";
import { useScheduleRuns } from "../api/list-runs";
import { useRunExport } from "../api/run-export";
import type { Schedule, ScheduleRun } from "../api/schedule";
import { formatZoned, runStatusClass, runStatusLabel, triggerLabel } from "../utils/labels";

/** The table's columns, in order; the first is the row header. */
export const RUN_COLUMNS = ["Started", "Trigger", "Run status", "Export status", "File", "Size", "Rows", "Deliveries"] as const;

export interface RunHistoryProps {
  schedule: Schedule;
  /** The section's id, which the "Runs" buttons control. */
  id: string;
  /** How often the runs are read again while an export runs or a delivery is under way. */
  pollMs?: number | undefined;
  onClose: () => void;
}

/**
 * A schedule's runs, newest first: each with its export, followed live while it runs, its file to download, and
 * where the file was delivered (read again until every delivery has settled).
 */
export function RunHistory({ schedule, id, pollMs, onClose }: RunHistoryProps) {
  const titleId = useId();
  const runs = useScheduleRuns(schedule.id, { expectDeliveries: (schedule.spec.destinations?.length ?? 0) > 0, pollMs });

  return (
    <section id={id} className="stack-tight" aria-labelledby={titleId}>
      <div className="toolbar">
        <h2 id={titleId} className="section-title">
          Runs of {schedule.name}
        </h2>
        <Button size="sm" onClick={onClose}>
          Close runs
        </Button>
      </div>
      {runs.isPending ? (
        <p className="empty" role="status">
          Loading runs…
        </p>
      ) : runs.isError && !runs.data ? (
        <div className="stack-tight">
          <p role="alert" className="inline-error">
            {errorMessage(runs.error)}
          </p>
          <Button onClick={() => void runs.refetch()}>Try again</Button>
        </div>
      ) : runs.data.length === 0 ? (
        <p className="empty">No runs yet. “Run now” starts one at once.</p>
      ) : (
        <div className="table-scroll history-table" tabIndex={0} role="region" aria-label="Runs">
          <table className="table" aria-labelledby={titleId}>
            <thead>
              <tr>
                {RUN_COLUMNS.map((column) => (
                  <th key={column} scope="col">
                    {column}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {runs.data.map((run) => (
                <RunRow key={run.id} run={run} timezone={schedule.timezone} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function RunRow({ run, timezone }: { run: ScheduleRun; timezone: string }) {
  const startedId = useId();
  const fileId = useId();
  // While its export runs, its events bring the state; otherwise the run carries what the list said.
  const job = useRunExport(run);
  const exportStatus = job?.status ?? run.exportStatus ?? undefined;
  const fileName = job?.fileName ?? run.fileName ?? undefined;
  const sizeBytes = job?.sizeBytes ?? run.sizeBytes;
  const rowCount = job?.rowCount ?? run.rowCount;
  const exportError = job?.error ?? run.exportError;
  const completed = exportStatus === "completed" && run.exportId;

  return (
    <tr aria-labelledby={startedId}>
      <th scope="row">
        <div className="export-cell">
          <time id={startedId} dateTime={run.startedAt}>
            {formatInstant(run.startedAt)}
          </time>
          {run.trigger !== "manual" && <span className="export-title">Due {formatZoned(run.scheduledFor, timezone)}</span>}
        </div>
      </th>
      <td>{triggerLabel(run.trigger)}</td>
      <td>
        <div className="export-cell">
          <span className={`status-badge ${runStatusClass(run.status)}`}>{runStatusLabel(run.status)}</span>
          {run.error && <span className="row-error">{run.error}</span>}
        </div>
      </td>
      <td>
        <div className="export-cell">
          {exportStatus ? <span className={`status-badge status-${exportStatus}`}>{statusLabel(exportStatus)}</span> : "–"}
          {job && !isFinalStatus(job.status) && <JobProgress job={job} />}
          {exportStatus === "failed" && <span className="row-error">{exportError || "The export failed."}</span>}
        </div>
      </td>
      <td>
        {fileName ? (
          <div className="export-cell">
            <span id={fileId} className="export-name">
              {fileName}
            </span>
            {completed && (
              <a
                className="btn btn-primary btn-sm"
                href={exportDownloadUrl(run.exportId!)}
                download={fileName}
                aria-describedby={fileId}
              >
                Download
              </a>
            )}
          </div>
        ) : (
          "–"
        )}
      </td>
      <td className="num">{sizeBytes != null ? formatBytes(sizeBytes) : "–"}</td>
      <td className="num">{rowCount != null ? formatCount(rowCount) : "–"}</td>
      <td>
        {run.deliveries.length > 0 ? (
          <DeliveryList deliveries={run.deliveries} label={`Deliveries of ${fileName ?? "this run"}`} />
        ) : (
          "–"
        )}
      </td>
    </tr>
  );
}
