import { useId } from "react";
import { JobProgress } from "../../../components/JobProgress";
import { requestedDestinations } from "../../../lib/deliveries";
import { isFinalStatus, type JobRecord } from "../../../lib/export-jobs";
import { formatLabel, kindLabel, statusLabel } from "../../../lib/export-labels";
import { formatBytes, formatCount, formatInstant } from "../../../lib/format";
import { useLiveExportJob } from "../../../lib/use-export-events";
import { formatDuration } from "../utils/labels";
import { ExportActions } from "./ExportActions";
import { ExportDeliveries } from "./ExportDeliveries";

/** The table's columns, in order; the first is the row header. */
export const HISTORY_COLUMNS = [
  "Export",
  "Format",
  "Kind",
  "Created",
  "Status",
  "Progress",
  "Size",
  "Rows",
  "Downloads",
  "Expires",
  "Actions",
] as const;

export interface ExportRowProps {
  initial: JobRecord;
  /** How often open deliveries are read again while under way. */
  deliveriesPollMs?: number | undefined;
}

/**
 * One export, kept live: while it is pending or processing its events move the bar, and it stops listening once
 * it reaches a final state. The row is named by its file name; one that names destinations offers its deliveries.
 */
export function ExportRow({ initial, deliveriesPollMs }: ExportRowProps) {
  const job = useLiveExportJob(initial);
  const nameId = useId();
  const destinations = requestedDestinations(job.request).length;
  const final = isFinalStatus(job.status);
  const rows = job.rowCount ?? (final ? undefined : job.rowsWritten);

  return (
    <tr aria-labelledby={nameId}>
      <th scope="row">
        <div className="export-cell">
          <span id={nameId} className="export-name">
            {job.fileName}
          </span>
          {job.title && job.title !== job.fileName && <span className="export-title">{job.title}</span>}
          {job.status === "failed" && <span className="row-error">{job.error || "The export failed."}</span>}
          {job.status === "cancelled" && job.cancelledBy && (
            <span className="export-title">Cancelled by {job.cancelledBy}</span>
          )}
        </div>
      </th>
      <td>{formatLabel(job.format)}</td>
      <td>{kindLabel(job.kind)}</td>
      <td>
        <time dateTime={job.createdAt}>{formatInstant(job.createdAt)}</time>
      </td>
      <td>
        <div className="export-cell">
          <span>
            <span className={`status-badge status-${job.status}`}>{statusLabel(job.status)}</span>
          </span>
          {destinations > 0 && <ExportDeliveries job={job} expected={destinations} nameId={nameId} pollMs={deliveriesPollMs} />}
        </div>
      </td>
      <td>
        {!final ? (
          <JobProgress job={job} />
        ) : job.status === "completed" && job.durationMs != null ? (
          <span className="muted">Took {formatDuration(job.durationMs)}</span>
        ) : (
          <span className="muted">–</span>
        )}
      </td>
      <td className="num">{job.sizeBytes != null ? formatBytes(job.sizeBytes) : "–"}</td>
      <td className="num">{rows !== undefined ? formatCount(rows) : "–"}</td>
      <td className="num">{formatCount(job.downloadCount)}</td>
      <td>
        {job.expiresAt ? <time dateTime={job.expiresAt}>{formatInstant(job.expiresAt)}</time> : "–"}
      </td>
      <td>
        <ExportActions job={job} nameId={nameId} />
      </td>
    </tr>
  );
}
