import { useId } from "react";
import { JobProgress } from "../../../components/JobProgress";
import { requestedDestinations } from "../../../lib/deliveries";
import { isFinalStatus, type JobRecord } from "../../../lib/export-jobs";
import { kindLabel, statusLabel } from "../../../lib/export-labels";
import { formatBytes, formatCount, formatInstant } from "../../../lib/format";
import { useLiveExportJob } from "../../../lib/use-export-events";
import { formatDuration } from "../utils/labels";
import { summarize, summaryText } from "../utils/summary";
import { ExportActions } from "./ExportActions";
import { ExportDeliveries } from "./ExportDeliveries";
import { ExportTimeline } from "./ExportTimeline";
import "./ExportRow.css";

/** The table's columns, in order; the first is the row header. */
export const HISTORY_COLUMNS = ["Export", "Summary", "Created", "Status", "Progress", "Size", "Rows", "Expires", "Actions"] as const;

export interface ExportRowProps {
  initial: JobRecord;
  /** How often open deliveries are read again while under way. */
  deliveriesPollMs?: number | undefined;
}

/**
 * One export, kept live: while it is pending or processing its events move the bar, and it stops listening once
 * it reaches a final state. The row is named by its file name; a direct download is marked as such (it keeps no
 * file: its size is what was sent). On narrow screens the row is a card, each cell labelled by its column.
 */
export function ExportRow({ initial, deliveriesPollMs }: ExportRowProps) {
  const job = useLiveExportJob(initial);
  const nameId = useId();
  const destinations = requestedDestinations(job.request).length;
  const final = isFinalStatus(job.status);
  const rows = job.rowCount ?? (final ? (job.direct ? job.rowsWritten : undefined) : job.rowsWritten);
  const size = job.direct ? (job.bytesWritten > 0 ? job.bytesWritten : undefined) : (job.sizeBytes ?? undefined);
  const summary = summarize(job);

  return (
    <tr aria-labelledby={nameId} className={job.direct ? "export-direct" : undefined}>
      <th scope="row" data-label="Export">
        <div className="export-cell">
          <span id={nameId} className="export-name">
            {job.fileName || job.title}
          </span>
          <span className="export-title">
            {job.direct ? (
              <span className="direct-badge" title="Streamed straight to the browser as it ran; no file is kept">
                Direct download
              </span>
            ) : (
              `${kindLabel(job.kind)} · background`
            )}
            {job.downloadCount > 0 && ` · downloaded ${formatCount(job.downloadCount)}×`}
          </span>
          {job.status === "failed" && <span className="row-error">{job.error || "The export failed."}</span>}
          {job.status === "cancelled" && (job.cancelledBy || job.error) && (
            <span className="export-title">{job.cancelledBy ? `Cancelled by ${job.cancelledBy}` : job.error}</span>
          )}
        </div>
      </th>
      <td data-label="Summary">
        <span className="export-summary" title={summary.filters.join("; ") || undefined}>
          {summaryText(summary)}
        </span>
      </td>
      <td data-label="Created">
        <time dateTime={job.createdAt}>{formatInstant(job.createdAt)}</time>
      </td>
      <td data-label="Status">
        <div className="export-cell">
          <span>
            <span className={`status-badge status-${job.status}`}>{statusLabel(job.status)}</span>
          </span>
          {destinations > 0 && <ExportDeliveries job={job} expected={destinations} nameId={nameId} pollMs={deliveriesPollMs} />}
          <ExportTimeline job={job} nameId={nameId} />
        </div>
      </td>
      <td data-label="Progress">
        {!final && job.direct ? (
          <span className="muted">Streaming to the browser…</span>
        ) : !final ? (
          <JobProgress job={job} />
        ) : job.status === "completed" && job.durationMs != null ? (
          <span className="muted">Took {formatDuration(job.durationMs)}</span>
        ) : (
          <span className="muted empty-cell">–</span>
        )}
      </td>
      <td className="num" data-label="Size">
        {size !== undefined ? formatBytes(size) : "–"}
      </td>
      <td className="num" data-label="Rows">
        {rows !== undefined ? formatCount(rows) : "–"}
      </td>
      <td data-label="Expires">
        {job.direct ? (
          <span className="muted">No file kept</span>
        ) : job.expiresAt ? (
          <time dateTime={job.expiresAt}>{formatInstant(job.expiresAt)}</time>
        ) : (
          "–"
        )}
      </td>
      <td data-label="Actions">
        <ExportActions job={job} nameId={nameId} />
      </td>
    </tr>
  );
}
