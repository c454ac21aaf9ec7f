import { useState } from "react";
import { Button } from "../../../components/ui/Button";
import { isApiError } from "../../../lib/api-client";
import { exportDownloadUrl, isFinalStatus, type JobRecord } from "../../../lib/export-jobs";
import { formatInstant } from "../../../lib/format";
import { useCancelExport } from "../api/cancel-export";
import { useDeleteExport } from "../api/delete-export";
import { useRerunExport } from "../api/rerun-export";
import { useCreateDownloadLink, type DownloadLink } from "../api/share-export";

export interface ExportActionsProps {
  job: JobRecord;
  /** Id of the element naming the export: every action is described by it ("Cancel", described "servers.csv"). */
  nameId: string;
}

type Copied = { link: DownloadLink; copied: boolean };

/**
 * What can be done with an export in its state: Cancel while it runs; Download and Copy link once it is complete;
 * Re-run and Delete once it is over.
 */
export function ExportActions({ job, nameId }: ExportActionsProps) {
  const cancel = useCancelExport();
  const remove = useDeleteExport();
  const rerun = useRerunExport();
  const share = useCreateDownloadLink();
  const [copied, setCopied] = useState<Copied | null>(null);

  const final = isFinalStatus(job.status);
  const completed = job.status === "completed";
  const busy = cancel.isPending || remove.isPending || rerun.isPending;
  const error = cancel.error ?? remove.error ?? rerun.error ?? share.error;

  const copyLink = () =>
    share.mutate(job.id, {
      onSuccess: async (link) => {
        try {
          await navigator.clipboard.writeText(link.url);
          setCopied({ link, copied: true });
        } catch {
          setCopied({ link, copied: false });
        }
      },
    });

  return (
    <div className="row-actions-cell">
      <div className="row-actions">
        {!final && (
          <Button
            size="sm"
            aria-describedby={nameId}
            disabled={busy || job.cancelRequested}
            onClick={() => cancel.mutate(job.id)}
          >
            Cancel
          </Button>
        )}
        {completed && (
          <a className="btn btn-primary btn-sm" href={exportDownloadUrl(job.id)} download={job.fileName} aria-describedby={nameId}>
            Download
          </a>
        )}
        {completed && (
          <Button size="sm" aria-describedby={nameId} disabled={share.isPending} onClick={copyLink}>
            Copy link
          </Button>
        )}
        {final && (
          <Button size="sm" aria-describedby={nameId} disabled={busy} onClick={() => rerun.mutate(job.id)}>
            Re-run
          </Button>
        )}
        {final && (
          <Button
            size="sm"
            variant="ghost"
            aria-describedby={nameId}
            disabled={busy}
            onClick={() => remove.mutate(job.id)}
          >
            Delete
          </Button>
        )}
      </div>
      <span role="status" className="field-hint">
        {copied?.copied && `Link copied. It works without signing in until ${formatInstant(copied.link.expiresAt)}.`}
        {copied && !copied.copied && "Your browser did not let the page copy: copy the link below."}
        {rerun.isSuccess && `Started again as ${rerun.data.fileName}.`}
      </span>
      {copied && !copied.copied && (
        <input
          className="input input-sm copy-link"
          readOnly
          aria-label={`Download link for ${job.fileName}`}
          value={copied.link.url}
          onFocus={(event) => event.target.select()}
        />
      )}
      {error && (
        <p role="alert" className="inline-error">
          {isApiError(error) ? [error.title, error.detail].filter(Boolean).join(": ") : error.message}
        </p>
      )}
    </div>
  );
}
