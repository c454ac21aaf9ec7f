import type { JobRecord } from "../lib/export-jobs";
import { formatBytes, formatCount } from "../lib/format";

/** "42% · 840,000 of about 2,000,000 rows · 51 MB · writing". */
export function describeJobProgress(job: JobRecord): string {
  const parts: string[] = [];
  const percent = jobPercent(job);
  if (percent !== undefined) parts.push(`${percent}%`);
  parts.push(
    job.estimatedRows
      ? `${formatCount(job.rowsWritten)} of about ${formatCount(job.estimatedRows)} rows`
      : `${formatCount(job.rowsWritten)} rows`,
  );
  if (job.bytesWritten > 0) parts.push(formatBytes(job.bytesWritten));
  if (job.phase) parts.push(job.phase);
  return parts.join(" · ");
}

/** Whole percent done, or undefined while the server has no estimate to measure against. */
export function jobPercent(job: JobRecord): number | undefined {
  if (job.status === "completed") return 100;
  if (job.percent === null || job.percent === undefined) return undefined;
  return Math.min(100, Math.max(0, Math.round(job.percent)));
}

/**
 * A background export's progress: a bar named "Progress of <file name>" (moving without a value while there is no
 * estimate) and rows, bytes and phase beside it.
 */
export function JobProgress({ job }: { job: JobRecord }) {
  const text = describeJobProgress(job);
  return (
    <div className="progress job-progress">
      <progress aria-label={`Progress of ${job.fileName}`} aria-valuetext={text} max={100} value={jobPercent(job)} />
      <span className="progress-text">{text}</span>
    </div>
  );
}
