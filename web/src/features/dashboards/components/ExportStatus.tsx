import type { UseMutationResult } from "@tanstack/react-query";
import { Alert, ProblemAlert } from "../../../components/ui/Alert";
import { isApiError } from "../../../lib/api-client";
import { formatBytes } from "../../../lib/format";
import type { VisualExportRequest, VisualExportResult } from "../api/export-dashboard";
import type { DashboardWidget } from "../api/get-dashboard";
import { optionLabel } from "../utils/export-options";

export interface ExportStatusProps {
  exporter: UseMutationResult<VisualExportResult, Error, VisualExportRequest>;
  /** The dashboard's widgets, to name the ones that came out empty or failed. */
  widgets: readonly DashboardWidget[];
}

const STATUS_WORDS: Record<string, string> = { "no-data": "no data", error: "failed" };

/** Progress, the saved file (with any widget that drew no data or failed), or the server's problem. */
export function ExportStatus({ exporter, widgets }: ExportStatusProps) {
  const titleOf = (id: string) => widgets.find((widget) => widget.id === id)?.title ?? id;
  const result = exporter.isSuccess ? exporter.data : undefined;
  const troubled = result?.widgets.filter((widget) => widget.status !== "ok") ?? [];

  return (
    <>
      <div role="status" className="export-status">
        {exporter.isPending && <span>Exporting {exporter.variables.label}…</span>}
        {result && (
          <span className="success-text">
            Downloaded {result.filename} ({formatBytes(result.bytes)}
            {result.pages !== undefined && result.filename.toLowerCase().endsWith(".pdf")
              ? `, ${result.pages} ${result.pages === 1 ? "page" : "pages"}`
              : ""}
            )
          </span>
        )}
        {troubled.length > 0 && (
          <ul className="widget-problems">
            {troubled.map((widget) => (
              <li key={widget.id}>
                {titleOf(widget.id)}: {STATUS_WORDS[widget.status] ?? widget.status}
                {widget.message ? ` (${widget.message})` : ""}
              </li>
            ))}
          </ul>
        )}
      </div>
      {exporter.isError &&
        (isApiError(exporter.error) ? (
          <ProblemAlert error={exporter.error} fieldLabel={optionLabel} />
        ) : (
          <Alert title="Export failed">
            <p className="alert-detail">{exporter.error.message}</p>
          </Alert>
        ))}
    </>
  );
}
