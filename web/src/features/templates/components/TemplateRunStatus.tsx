import { useId } from "react";
import { JobProgress } from "../../../components/JobProgress";
import { exportDownloadUrl, isFinalStatus, type JobRecord } from "../../../lib/export-jobs";
import { statusLabel } from "../../../lib/export-labels";
import { formatBytes, formatCount } from "../../../lib/format";
import { useLiveExportJob } from "../../../lib/use-export-events";

/** A run of a template, followed live: its progress, then its file to download, or why it did not finish. */
export function TemplateRunStatus({ job: initial }: { job: JobRecord }) {
  const job = useLiveExportJob(initial);
  const fileId = useId();
  const running = !isFinalStatus(job.status);

  return (
    <div className="template-run stack-tight">
      {running && <JobProgress job={job} />}
      <p role="status" className="field-hint">
        <span className={`status-badge status-${job.status}`}>{statusLabel(job.status)}</span>{" "}
        <span id={fileId} className="export-name">
          {job.fileName}
        </span>
        {job.status === "completed" && job.sizeBytes != null && (
          <>
            {" "}
            ({formatBytes(job.sizeBytes)}
            {job.rowCount != null && `, ${formatCount(job.rowCount)} rows`})
          </>
        )}
        {job.status === "cancelled" && " was cancelled."}
        {job.status === "expired" && "'s file has expired."}
      </p>
      {job.status === "completed" && (
        <a className="btn btn-primary btn-sm" href={exportDownloadUrl(job.id)} download={job.fileName} aria-describedby={fileId}>
          Download
        </a>
      )}
      {job.status === "failed" && (
        <p role="alert" className="inline-error">
          {job.error || "The export failed."}
        </p>
      )}
    </div>
  );
}
