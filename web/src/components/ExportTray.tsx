import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useId, useRef, useState } from "react";
import { z } from "zod";
import { apiJson } from "../lib/api-client";
import { startBrowserDownload } from "../lib/download";
import { EXPORT_JOBS_QUERY_KEY, exportDownloadUrl, isFinalStatus, jobRecordSchema, type JobRecord } from "../lib/export-jobs";
import { statusLabel } from "../lib/export-labels";
import { useLiveExportJob } from "../lib/use-export-events";
import { JobProgress } from "./JobProgress";
import { Button } from "./ui/Button";
import "./ExportTray.css";

const HISTORY_HREF = "#/history";
const TRAY_QUERY_KEY = [...EXPORT_JOBS_QUERY_KEY, "tray"] as const;
/** Server and browser clocks differ a little: exports created this long before the page opened still count as new. */
const CLOCK_SLACK_MS = 10_000;
const TOAST_MS = 8_000;

const recentSchema = z.object({ items: z.array(jobRecordSchema) });

export interface ExportTrayProps {
  /** How often the recent exports are read again (new jobs started elsewhere); tests pass less. */
  pollMs?: number;
}

type Toast = { id: string; job: JobRecord };

/**
 * Background exports you can follow from any page: a button in the corner says how many run; its panel lists the
 * running and recently finished ones with live progress, Download and "Open in History". When one finishes a toast
 * says so, and, if the user turned them on (the permission is asked only when they click), a desktop notification.
 * Direct downloads are left out: the browser's own downloads show them.
 */
export function ExportTray({ pollMs = 10_000 }: ExportTrayProps) {
  const queryClient = useQueryClient();
  const panelId = useId();
  const [open, setOpen] = useState(false);
  const [mountedAt] = useState(() => Date.now());
  const [dismissed, setDismissed] = useState<ReadonlySet<string>>(new Set());
  const [toasts, setToasts] = useState<Toast[]>([]);
  // Jobs whose events said they finished after the list was read (the list itself is read again only every poll).
  const [finishedIds, setFinishedIds] = useState<ReadonlySet<string>>(new Set());
  const [permission, setPermission] = useState<NotificationPermission | "unsupported">(() =>
    typeof Notification === "undefined" ? "unsupported" : Notification.permission,
  );
  const seenRunning = useRef(new Set<string>());

  const recent = useQuery({
    queryKey: TRAY_QUERY_KEY,
    queryFn: ({ signal }) => apiJson("/api/v1/exports?limit=10", recentSchema, { signal }),
    refetchInterval: pollMs,
  });

  // A job started on this page (submit, re-run) lands in the cache first: read the list now, not at the next poll.
  useEffect(
    () =>
      queryClient.getQueryCache().subscribe((event) => {
        const key = event.query.queryKey;
        if (event.type !== "added" || key[0] !== EXPORT_JOBS_QUERY_KEY[0] || key[1] !== "detail") return;
        const listed = queryClient.getQueryData<z.infer<typeof recentSchema>>(TRAY_QUERY_KEY);
        if (!listed?.items.some((job) => job.id === key[2])) void queryClient.invalidateQueries({ queryKey: TRAY_QUERY_KEY });
      }),
    [queryClient],
  );

  const jobs = (recent.data?.items ?? []).filter((job) => {
    if (job.direct || dismissed.has(job.id)) return false;
    if (!isFinalStatus(job.status)) seenRunning.current.add(job.id);
    return seenRunning.current.has(job.id) || Date.parse(job.createdAt) >= mountedAt - CLOCK_SLACK_MS;
  });

  const finished = useCallback(
    (job: JobRecord) => {
      setFinishedIds((current) => new Set(current).add(job.id));
      setToasts((current) => [...current.filter((toast) => toast.id !== job.id), { id: job.id, job }]);
      window.setTimeout(() => setToasts((current) => current.filter((toast) => toast.id !== job.id)), TOAST_MS);
      if (typeof Notification !== "undefined" && Notification.permission === "granted") {
        new Notification(`Export ${statusLabel(job.status).toLowerCase()}`, { body: job.fileName, tag: job.id });
      }
    },
    [],
  );

  const askPermission = async () => {
    if (typeof Notification === "undefined") return;
    setPermission(await Notification.requestPermission());
  };

  if (jobs.length === 0 && toasts.length === 0) return null;
  const running = jobs.filter((job) => !isFinalStatus(job.status) && !finishedIds.has(job.id)).length;

  return (
    <div className="export-tray">
      <div className="tray-toasts" role="status" aria-live="polite">
        {toasts.map(({ id, job }) => (
          <div key={id} className={`tray-toast tray-toast-${job.status}`}>
            <span>
              <strong>{job.fileName}</strong> {job.status === "completed" ? "is ready." : `${statusLabel(job.status).toLowerCase()}.`}
            </span>
            {job.status === "completed" && (
              <Button size="sm" variant="primary" onClick={() => startBrowserDownload(exportDownloadUrl(job.id), job.fileName)}>
                Download
              </Button>
            )}
          </div>
        ))}
      </div>
      {jobs.length > 0 && (
        <>
          {/* Kept mounted while closed: its items follow their jobs' events, so a finish is noticed on any page. */}
          <section id={panelId} className="tray-panel" aria-label="Background exports" hidden={!open}>
              <header className="tray-header">
                <h2 className="tray-title">Background exports</h2>
                <a className="tray-history" href={HISTORY_HREF}>
                  All in History
                </a>
              </header>
              <ul className="tray-list">
                {jobs.map((job) => (
                  <TrayItem
                    key={job.id}
                    initial={job}
                    onFinished={finished}
                    onDismiss={() => setDismissed((current) => new Set(current).add(job.id))}
                  />
                ))}
              </ul>
              {permission === "default" && (
                <Button size="sm" variant="ghost" className="tray-notify" onClick={() => void askPermission()}>
                  Notify me on this computer when exports finish
                </Button>
              )}
              {permission === "denied" && <p className="tray-hint">Desktop notifications are blocked for this site in your browser.</p>}
          </section>
          <Button
            className="tray-toggle"
            variant={running > 0 ? "primary" : "secondary"}
            aria-expanded={open}
            aria-controls={panelId}
            onClick={() => setOpen((value) => !value)}
          >
            {running > 0 ? `Exports: ${running} running` : `Exports: ${jobs.length} finished`}
          </Button>
        </>
      )}
    </div>
  );
}

interface TrayItemProps {
  initial: JobRecord;
  onFinished: (job: JobRecord) => void;
  onDismiss: () => void;
}

/** One export in the tray, live while it runs; tells the tray once when it reaches a final state. */
function TrayItem({ initial, onFinished, onDismiss }: TrayItemProps) {
  const job = useLiveExportJob(initial);
  const nameId = useId();
  const final = isFinalStatus(job.status);
  const wasRunning = useRef(!isFinalStatus(initial.status));
  useEffect(() => {
    if (final && wasRunning.current) {
      wasRunning.current = false;
      onFinished(job);
    }
  }, [final, job, onFinished]);

  return (
    <li className="tray-item" aria-labelledby={nameId}>
      <div className="tray-item-head">
        <span id={nameId} className="tray-name">
          {job.fileName}
        </span>
        <span className={`status-badge status-${job.status}`}>{statusLabel(job.status)}</span>
      </div>
      {!final && <JobProgress job={job} />}
      {job.status === "failed" && job.error && <p className="tray-error">{job.error}</p>}
      <div className="tray-actions">
        {job.status === "completed" && (
          <Button size="sm" variant="primary" aria-describedby={nameId} onClick={() => startBrowserDownload(exportDownloadUrl(job.id), job.fileName)}>
            Download
          </Button>
        )}
        <a className="btn btn-ghost btn-sm" href={HISTORY_HREF} aria-describedby={nameId}>
          Open in History
        </a>
        {final && (
          <Button size="sm" variant="ghost" aria-describedby={nameId} onClick={onDismiss}>
            Dismiss
          </Button>
        )}
      </div>
    </li>
  );
}
