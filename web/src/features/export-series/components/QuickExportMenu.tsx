import { useLayoutEffect, useRef, useState } from "react";
import { ProblemAlert, Alert } from "../../../components/ui/Alert";
import { MenuButton } from "../../../components/ui/MenuButton";
import { isApiError } from "../../../lib/api-client";
import type { ExportFormat, ExportQuery } from "../../../lib/export-request";
import { formatBytes } from "../../../lib/format";
import { useExportSeries } from "../api/export-series";
import { BackgroundJobStatus } from "./BackgroundJobStatus";
import { ExportProgress } from "./ExportProgress";
import "./quick-export.css";

export interface QuickExportMenuProps {
  /** Undefined while the Explore state cannot be exported yet. */
  query: ExportQuery | undefined;
  onMoreOptions: () => void;
  /** The History page, linked when the server runs a large export in the background. */
  historyHref?: string;
}

/** "Export ▾": one-click CSV or JSON of the current Explore state, or the full dialog. */
export function QuickExportMenu({ query, onMoreOptions, historyHref }: QuickExportMenuProps) {
  const exporter = useExportSeries();
  const start = (format: ExportFormat) => {
    if (query) exporter.mutate({ ...query, format });
  };

  const reset = () => exporter.cancel();

  // The status line and the message float from the button's right edge, over the space to its left; where the button
  // is near the left edge (a phone, a wrapped toolbar) they float from its left edge instead, so they stay on screen.
  const box = useRef<HTMLDivElement>(null);
  const [fromStart, setFromStart] = useState(false);
  useLayoutEffect(() => {
    const element = box.current;
    if (!element) return;
    const measure = () => setFromStart(element.getBoundingClientRect().right < Math.min(380, window.innerWidth - 32) + 16);
    measure();
    window.addEventListener("resize", measure);
    return () => window.removeEventListener("resize", measure);
  }, [exporter.status]);
  const message =
    exporter.isSuccess && exporter.data.background ? (
      <BackgroundJobStatus job={exporter.data.job} reason={withoutApiPath(exporter.data.reason)} historyHref={historyHref} />
    ) : exporter.isError ? (
      isApiError(exporter.error) ? (
        <ProblemAlert error={exporter.error} />
      ) : (
        <Alert title="Export failed">
          <p className="alert-detail">{exporter.error.message}</p>
        </Alert>
      )
    ) : undefined;

  return (
    <div ref={box} className={fromStart ? "quick-export quick-export-start" : "quick-export"}>
      <MenuButton
        label="Export"
        disabled={!query || exporter.isPending}
        items={[
          { id: "csv", label: "CSV", description: "Spreadsheet-ready", onSelect: () => start("csv") },
          { id: "json", label: "JSON", description: "For scripts and APIs", onSelect: () => start("json") },
          { id: "more", label: "More options…", onSelect: onMoreOptions, separated: true },
        ]}
      />
      {/* One line of reserved space for progress and success; longer messages float over the page below the
          button, so neither moves the layout. */}
      <div role="status" className="quick-export-status">
        {exporter.isPending && exporter.progress && (
          <>
            <ExportProgress progress={exporter.progress} label="Export progress" />
            <button type="button" className="btn btn-ghost btn-sm" onClick={exporter.cancel}>
              Cancel
            </button>
          </>
        )}
        {exporter.isSuccess && !exporter.data.background && (
          <span className="success-text">
            {exporter.data.direct
              ? `Your browser is downloading ${exporter.data.filename}`
              : `Downloaded ${exporter.data.filename} (${formatBytes(exporter.data.bytes)})`}
          </span>
        )}
        {exporter.isSuccess && exporter.data.background && historyHref && (
          <a href={historyHref} className="quick-export-track">
            Track in History
          </a>
        )}
      </div>
      {message && (
        <div className="quick-export-popover">
          {message}
          <button type="button" className="btn btn-ghost btn-sm" onClick={reset}>
            Dismiss
          </button>
        </div>
      )}
    </div>
  );
}

/** The server's reason names the job's API path ("Follow it at /api/v1/exports/…") for REST clients; the SPA links
 * History instead. */
export function withoutApiPath(reason: string): string {
  return reason.replace(/\s*Follow it at \/api\/\S+?\.?$/, "").trim();
}
