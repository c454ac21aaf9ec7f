import { useMemo } from "react";
import { ProblemAlert } from "../../../components/ui/Alert";
import { isApiError } from "../../../lib/api-client";
import type { ExportRequest } from "../../../lib/export-request";
import { usePreviewSeries } from "../api/preview-series";
import { toChartData } from "../utils/chart-data";
import { PreviewChart } from "./PreviewChart";
import { PreviewSummary } from "./PreviewSummary";
import { PreviewTable } from "./PreviewTable";

export interface SeriesPreviewPanelProps {
  /** Undefined while the request is incomplete; `idleMessage` says why. */
  request: ExportRequest | undefined;
  kind: "timeseries" | "records";
  idleMessage?: string | undefined;
}

/** Summary, chart (time series only) and first rows of a request. */
export function SeriesPreviewPanel({ request, kind, idleMessage }: SeriesPreviewPanelProps) {
  const preview = usePreviewSeries(request);
  const data = preview.data;
  const chart = useMemo(() => (data && kind === "timeseries" ? toChartData(data) : undefined), [data, kind]);

  if (!request) return <p className="empty">{idleMessage ?? "Choose what to preview."}</p>;
  if (preview.isError) {
    return isApiError(preview.error) ? (
      <ProblemAlert error={preview.error} />
    ) : (
      <p role="alert">Preview failed: {preview.error.message}</p>
    );
  }
  if (!data) return <p className="empty" role="status">Loading preview…</p>;

  return (
    <div className="stack" aria-busy={preview.isFetching}>
      <PreviewSummary preview={data} />
      {chart && <PreviewChart data={chart} timezone={data.timezone} />}
      <PreviewTable preview={data} caption={`Preview: first ${data.rows.length} rows`} />
    </div>
  );
}
