import { useId, useRef, useState } from "react";
import { Button } from "../../../components/ui/Button";
import { ConfirmDialog } from "../../../components/ui/ConfirmDialog";
import { Dialog } from "../../../components/ui/Dialog";
import { MenuButton, type MenuItem } from "../../../components/ui/MenuButton";
import { errorMessage } from "../../../lib/api-client";
import { startBrowserDownload } from "../../../lib/download";
import { exportDownloadUrl, isFinalStatus, type JobRecord } from "../../../lib/export-jobs";
import { formatInstant } from "../../../lib/format";
import { useCancelExport } from "../api/cancel-export";
import { useDeleteExport } from "../api/delete-export";
import { useDownloadAgain } from "../api/download-again";
import { useRerunExport } from "../api/rerun-export";
import { LINK_LIFETIMES, useCreateDownloadLink, type DownloadLink } from "../api/share-export";
import { seriesRequestOf } from "../utils/summary";
import "./ExportActions.css";

export interface ExportActionsProps {
  job: JobRecord;
  /** Id of the element naming the export. */
  nameId: string;
}

/**
 * What can be done with an export in its state, in one "⋯" menu: Cancel while it runs; Download and Copy link… once
 * a stored file is complete; Re-run (a direct download: Download again) and Delete… once it is over. Delete asks
 * first; Copy link… lets the user choose how long the link works.
 */
export function ExportActions({ job }: ExportActionsProps) {
  const cancel = useCancelExport();
  const remove = useDeleteExport();
  const rerun = useRerunExport();
  const again = useDownloadAgain();
  const [confirming, setConfirming] = useState(false);
  const [sharing, setSharing] = useState(false);

  const final = isFinalStatus(job.status);
  const stored = job.status === "completed" && !job.direct;
  const direct = job.direct && seriesRequestOf(job) !== undefined;
  const busy = cancel.isPending || remove.isPending || rerun.isPending || again.isPending;
  const error = cancel.error ?? rerun.error ?? again.error;

  const items: MenuItem[] = [];
  if (!final && !job.direct) items.push({ id: "cancel", label: "Cancel", disabled: busy || job.cancelRequested, onSelect: () => cancel.mutate(job.id) });
  if (!final && job.direct) {
    items.push({ id: "streaming", label: "Streaming to your browser", description: "Stop it in your browser's downloads", disabled: true, onSelect: () => undefined });
  }
  if (stored) {
    items.push({ id: "download", label: "Download", onSelect: () => startBrowserDownload(exportDownloadUrl(job.id), job.fileName) });
    items.push({ id: "link", label: "Copy link…", description: "A link that works without signing in", onSelect: () => setSharing(true) });
  }
  if (final && direct) {
    items.push({ id: "again", label: "Download again", description: "Runs it again, straight to your browser", disabled: busy, onSelect: () => again.mutate(seriesRequestOf(job)) });
  }
  if (final) {
    items.push({ id: "rerun", label: "Re-run", description: "As a new background export", disabled: busy, onSelect: () => rerun.mutate(job.id) });
    items.push({ id: "delete", label: "Delete…", disabled: busy, separated: true, onSelect: () => setConfirming(true) });
  }

  return (
    <div className="row-actions-cell">
      <div className="row-menu">
        <MenuButton
          variant="ghost"
          align="end"
          label={
            <>
              <span className="sr-only">Actions for {job.fileName}</span>
              <span aria-hidden="true" className="row-menu-dots">
                ⋯
              </span>
            </>
          }
          items={items}
        />
      </div>
      <span role="status" className="field-hint">
        {rerun.isSuccess && `Started again as ${rerun.data.fileName}.`}
        {again.isSuccess && !again.data.background && `Downloading ${again.data.filename}: see your browser's downloads.`}
        {again.isSuccess && again.data.background && `Too large to stream: ${again.data.reason}`}
      </span>
      {error && (
        <p role="alert" className="inline-error">
          {errorMessage(error)}
        </p>
      )}
      <ConfirmDialog
        open={confirming}
        title={`Delete ${job.fileName}?`}
        description={
          job.direct
            ? "Its record leaves your history. The file you downloaded stays where your browser saved it."
            : "Its record and its stored file are removed, and links to it stop working. This cannot be undone."
        }
        confirmLabel="Delete"
        busy={remove.isPending}
        error={remove.error}
        onCancel={() => {
          setConfirming(false);
          remove.reset();
        }}
        onConfirm={() => remove.mutate(job.id, { onSuccess: () => setConfirming(false) })}
      />
      {sharing && <LinkDialog job={job} onClose={() => setSharing(false)} />}
    </div>
  );
}

type Copied = { link: DownloadLink; copied: boolean };

/** Choose how long a signed link works, create it, and copy it (or show it to copy by hand). */
function LinkDialog({ job, onClose }: { job: JobRecord; onClose: () => void }) {
  const share = useCreateDownloadLink();
  const [minutes, setMinutes] = useState<number>(24 * 60);
  const [copied, setCopied] = useState<Copied | null>(null);
  const selectId = useId();
  const selectRef = useRef<HTMLSelectElement>(null);
  // A link never outlives the file: the server caps it at the export's expiry.
  const create = () =>
    share.mutate(
      { id: job.id, expiresInMinutes: minutes },
      {
        onSuccess: async (link) => {
          try {
            await navigator.clipboard.writeText(link.url);
            setCopied({ link, copied: true });
          } catch {
            setCopied({ link, copied: false });
          }
        },
      },
    );

  return (
    <Dialog
      open
      onClose={onClose}
      title={`Download link for ${job.fileName}`}
      description="Anyone with the link can download the file, without signing in, until it expires."
      initialFocusRef={selectRef}
    >
      <div className="dialog-body stack-tight">
        <div className="field">
          <label htmlFor={selectId}>Link works for</label>
          <select
            ref={selectRef}
            id={selectId}
            className="input"
            value={minutes}
            onChange={(event) => {
              setMinutes(Number(event.target.value));
              setCopied(null);
            }}
          >
            {LINK_LIFETIMES.map((lifetime) => (
              <option key={lifetime.minutes} value={lifetime.minutes}>
                {lifetime.label}
              </option>
            ))}
          </select>
          {job.expiresAt && <span className="field-hint">The file itself expires {formatInstant(job.expiresAt)}; the link stops then at the latest.</span>}
        </div>
        <p role="status" className="field-hint">
          {copied?.copied && `Link copied. It works without signing in until ${formatInstant(copied.link.expiresAt)}.`}
          {copied && !copied.copied && `Your browser did not let the page copy: copy the link below. It works until ${formatInstant(copied.link.expiresAt)}.`}
        </p>
        {copied && (
          <input
            className="input copy-link"
            readOnly
            aria-label={`Download link for ${job.fileName}`}
            value={copied.link.url}
            onFocus={(event) => event.target.select()}
          />
        )}
        {share.error != null && (
          <p role="alert" className="inline-error">
            {errorMessage(share.error)}
          </p>
        )}
      </div>
      <footer className="dialog-footer">
        <Button variant="ghost" onClick={onClose}>
          Close
        </Button>
        <span className="spacer" />
        <Button variant="primary" onClick={create} disabled={share.isPending} aria-busy={share.isPending}>
          {copied ? "Copy a new link" : "Create and copy link"}
        </Button>
      </footer>
    </Dialog>
  );
}
