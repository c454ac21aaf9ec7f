import { useMemo } from "react";
import { ProblemAlert } from "../../../components/ui/Alert";
import { errorMessage, isApiError } from "../../../lib/api-client";
import type { ExportRequest } from "../../../lib/export-request";
import { CHART_WIDTH, usePreviewSeries } from "../api/preview-series";
import { toChartData } from "../utils/chart-data";
import { PreviewChart } from "./PreviewChart";
import { PreviewSummary } from "./PreviewSummary";
import { PreviewTable } from "./PreviewTable";
import "./preview.css";

export interface SeriesPreviewPanelProps {
  /** Undefined while the request is incomplete; `idleMessage` says why. */
  request: ExportRequest | undefined;
  /** Kept for callers; the chart is drawn for both kinds (records: one series per numeric field). */
  kind: "timeseries" | "records";
  idleMessage?: string | undefined;
}

/** Summary, chart of the whole range (every series, downsampled by the server) and the first rows of a request. */
export function SeriesPreviewPanel({ request, idleMessage }: SeriesPreviewPanelProps) {
  const preview = usePreviewSeries(request, CHART_WIDTH);
  const data = preview.data;
  const chart = useMemo(() => toChartData(data?.chart), [data]);

  if (!request) return <p className="empty">{idleMessage ?? "Choose what to preview."}</p>;
  if (preview.isError && !data) {
    return isApiError(preview.error) ? (
      <ProblemAlert error={preview.error} />
    ) : (
      <p role="alert">Preview failed: {preview.error.message}</p>
    );
  }
  if (!data) return <p className="empty" role="status">Loading preview…</p>;

  // A re-read that failed (Live's, say, when the server is busy) keeps the answer it had, marked as not current.
  const stale = preview.isError && !preview.isFetching;
  return (
    <div className={preview.isPlaceholderData || stale ? "stack preview-stale" : "stack"} aria-busy={preview.isFetching}>
      <p className="preview-updating" role="status">
        {preview.isPlaceholderData ? "Updating the preview…" : ""}
      </p>
      {stale && (
        <p className="field-error">
          This preview could not be re-read ({errorMessage(preview.error)}); it shows the last answer.
        </p>
      )}
      <PreviewSummary preview={data} requested={request.granularity} />
      {chart && <PreviewChart data={chart} timezone={data.timezone} />}
      {!chart && data.chartUnavailable && <p className="muted">{data.chartUnavailable}</p>}
      <h3 className="section-label preview-table-title">
        First {data.rows.length} rows
        <span className="muted">
          {" "}
          of {data.estimateKind === "upper bound" ? "at most " : ""}
          {data.estimatedRows.toLocaleString()} in the export
        </span>
      </h3>
      <PreviewTable preview={data} caption={`First ${data.rows.length} rows of ${data.estimatedRows.toLocaleString()}${data.estimateKind === "upper bound" ? " at most" : ""}`} />
    </div>
  );
}
