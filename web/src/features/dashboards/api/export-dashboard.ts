import { useMutation } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { z } from "zod";
import { apiFetch } from "../../../lib/api-client";
import { saveResponse, type DownloadResult } from "../../../lib/download";

const widgetStatusSchema = z.object({
  id: z.string(),
  status: z.enum(["ok", "no-data", "error"]).or(z.string()),
  message: z.string().nullish(),
});

export type WidgetStatus = z.infer<typeof widgetStatusSchema>;

export interface VisualExportResult extends DownloadResult {
  /** Pages of a PDF (1 for a PNG). */
  pages: number | undefined;
  /** How each widget came out, from the Export-Widgets header. */
  widgets: WidgetStatus[];
}

/** Parses the Export-Widgets header; a missing or malformed header means no statuses, never a failed export. */
export function parseWidgetStatuses(header: string | null): WidgetStatus[] {
  if (!header) return [];
  try {
    const parsed = z.array(widgetStatusSchema).safeParse(JSON.parse(header));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

export interface VisualExportRequest {
  /** An export URL with its overrides (see utils/export-options.ts). */
  url: string;
  /** Used when the response names no file. */
  fallbackFilename: string;
  /** What is being exported, for progress messages ("Ops overview as PDF"). */
  label: string;
}

/** GETs a dashboard or widget export and saves it; a rejected export throws its Problem Details as ApiError. */
export async function exportVisual(request: VisualExportRequest, signal?: AbortSignal): Promise<VisualExportResult> {
  const response = await apiFetch(request.url, { headers: { Accept: "*/*" }, signal });
  const pages = Number(response.headers.get("Export-Pages")) || undefined;
  const widgets = parseWidgetStatuses(response.headers.get("Export-Widgets"));
  const saved = await saveResponse(response, { fallbackFilename: request.fallbackFilename });
  return { ...saved, pages, widgets };
}

/** Downloads a PNG or PDF export; a new export (or leaving the page) aborts the one in flight. */
export function useExportVisual() {
  const controller = useRef<AbortController | null>(null);
  useEffect(() => () => controller.current?.abort(), []);
  return useMutation({
    mutationFn: (request: VisualExportRequest) => {
      controller.current?.abort();
      const current = new AbortController();
      controller.current = current;
      return exportVisual(request, current.signal);
    },
  });
}
