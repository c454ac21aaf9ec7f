import { formatBytes } from "../../../lib/format";
import type { DownloadProgress } from "../../../lib/download";

/** Bytes received so far; a bar when the total is known, a moving bar when it is not. */
export function ExportProgress({ progress, label = "Download progress" }: { progress: DownloadProgress; label?: string }) {
  const { received, total } = progress;
  return (
    <div className="progress">
      <progress aria-label={label} max={total} value={total ? received : undefined} />
      <span className="progress-text">
        {total ? `${formatBytes(received)} of ${formatBytes(total)}` : `${formatBytes(received)} received`}
      </span>
    </div>
  );
}
