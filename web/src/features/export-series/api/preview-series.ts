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
  }),
  tier: z.string(),
  granularity: z.string(),
  from: z.string().nullish(),
  to: z.string().nullish(),
  timezone: z.string().nullish(),
});

export type SeriesPreview = z.infer<typeof previewSchema>;
export type PreviewCell = z.infer<typeof cellSchema>;

export function previewSeries(request: ExportRequest, signal?: AbortSignal): Promise<SeriesPreview> {
  return apiJson("/api/v1/exports/series/preview", previewSchema, { method: "POST", body: request, signal });
}

/** The first rows and size estimates for a request; idle while `request` is undefined. */
export function usePreviewSeries(request: ExportRequest | undefined) {
  return useQuery({
    queryKey: ["export-series", "preview", request],
    queryFn: ({ signal }) => previewSeries(request!, signal),
    enabled: request !== undefined,
    placeholderData: keepPreviousData,
  });
}
