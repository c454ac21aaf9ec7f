import { JobProgress } from "../../../components/JobProgress";
import { Alert } from "../../../components/ui/Alert";
import { exportDownloadUrl, isFinalStatus, type JobRecord } from "../../../lib/export-jobs";
import { formatBytes, formatCount } from "../../../lib/format";
import { useLiveExportJob } from "../../../lib/use-export-events";

export interface BackgroundJobStatusProps {
  /** The job as the server answered when it was started. */
  job: JobRecord;
  /** Why the server chose to run it in the background (a large synchronous export). */
  reason?: string | undefined;
  /** The History page, where the export stays listed. */
  historyHref?: string | undefined;
}

/**
 * A background export followed live: its progress while it runs, then a notice with a Download link (and the way to
 * History) once it is complete, or what went wrong.
 */
export function BackgroundJobStatus({ job: initial, reason, historyHref }: BackgroundJobStatusProps) {
  const job = useLiveExportJob(initial);
  const running = !isFinalStatus(job.status);

  return (
    <div className="background-job stack-tight">
      {reason && <p className="background-reason">{reason}</p>}
      {running && <JobProgress job={job} />}
      <div role="status" className="job-notice">
        {running && (
          <p>
            Running in the background. You can close this window: the export keeps going
            {historyHref ? (
              <>
                {" "}
                and waits on the <a href={historyHref}>History page</a>.
              </>
            ) : (
              "."
            )}
          </p>
        )}
        {job.status === "completed" && (
          <div className="toast toast-success">
            <p>
              Export ready: <strong>{job.fileName}</strong>
              {job.sizeBytes != null && ` (${formatBytes(job.sizeBytes)}`}
              {job.sizeBytes != null && job.rowCount != null && `, ${formatCount(job.rowCount)} rows`}
              {job.sizeBytes != null && ")"}.
            </p>
            <div className="toast-actions">
              <a className="btn btn-primary btn-sm" href={exportDownloadUrl(job.id)} download={job.fileName}>
                Download
              </a>
              {historyHref && (
                <a className="btn btn-secondary btn-sm" href={historyHref}>
                  Open History
                </a>
              )}
            </div>
          </div>
        )}
        {job.status === "cancelled" && <p>The export was cancelled.</p>}
        {job.status === "expired" && <p>The export's file has expired.</p>}
      </div>
      {job.status === "failed" && (
        <Alert title="The export failed">
          <p className="alert-detail">{job.error || "The server gave no reason."}</p>
        </Alert>
      )}
    </div>
  );
}
