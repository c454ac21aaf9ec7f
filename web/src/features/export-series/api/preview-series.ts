import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { apiJson } from "../../../lib/api-client";
import type { ExportRequest } from "../../../lib/export-request";

const cellSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const previewSchema = z.object({
  columns: z.array(z.object({ name: z.string(), type: z.string() })),
  rows: z.array(z.array(cellSchema)),
  estimatedRows: z.number(),
  /** Estimated file size per format, before whole-file compression. */
  estimatedBytes: z.object({
    csv: z.number().optional(),
    tsv: z.number().optional(),
    json: z.number().optional(),
    jsonl: z.number().optional(),
    parquet: z.number().optional(),
    xlsx: z.number().optional(),
    markdown: z.number().optional(),
    html: z.number().optional(),
    txt: z.number().optional(),
  }),
  tier: z.string(),
  granularity: z.string(),
  from: z.string().nullish(),
  to: z.string().nullish(),
  timezone: z.string().nullish(),
  /** "exact", or "upper bound" when the row estimate may count rows that do not exist. */
  estimateKind: z.string().optional(),
  /** The name the file is saved under: the server's Content-Disposition name for the same request. */
  fileName: z.string().optional(),
  /** Every series over the whole range, min and max per pixel column (asked for with chartWidth). */
  chart: z
    .object({
      width: z.number(),
      from: z.string(),
      to: z.string(),
      seriesTotal: z.number(),
      series: z.array(
        z.object({
          name: z.string(),
          columns: z.array(z.number()),
          min: z.array(z.number().nullable()),
          max: z.array(z.number().nullable()),
        }),
      ),
    })
    .nullish(),
  /** Why the chart asked for is not drawn (too much data for a preview, or it took too long). */
  chartUnavailable: z.string().nullish(),
});

export type SeriesPreview = z.infer<typeof previewSchema>;
export type PreviewCell = z.infer<typeof cellSchema>;

export type PreviewChartPart = NonNullable<SeriesPreview["chart"]>;

/** Pixel columns asked of the server for the preview chart (it allows 16 to 2000). */
export const CHART_WIDTH = 800;

export function previewSeries(request: ExportRequest, signal?: AbortSignal, chartWidth?: number): Promise<SeriesPreview> {
  const url = chartWidth ? `/api/v1/exports/series/preview?chartWidth=${chartWidth}` : "/api/v1/exports/series/preview";
  return apiJson(url, previewSchema, { method: "POST", body: request, signal });
}

/** The first rows and size estimates for a request (and, with `chartWidth`, the downsampled chart of the whole
 * range); idle while `request` is undefined. */
export function usePreviewSeries(request: ExportRequest | undefined, chartWidth?: number) {
  return useQuery({
    queryKey: ["export-series", "preview", request, chartWidth ?? 0],
    queryFn: ({ signal }) => previewSeries(request!, signal, chartWidth),
    enabled: request !== undefined,
    // While a changed request loads, the previous answer stays (dimmed by the panel), but only for the same source:
    // another source's rows would be mistaken for this one's.
    placeholderData: (previous, previousQuery) =>
      (previousQuery?.queryKey[2] as ExportRequest | undefined)?.source === request?.source ? keepPreviousData(previous) : undefined,
  });
}
