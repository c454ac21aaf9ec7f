import { useMutation } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { z } from "zod";
import { ApiError } from "../../../lib/api-client";
import { directDownload, type DownloadProgress, type DownloadResult } from "../../../lib/download";
import { jobRecordSchema, type JobRecord } from "../../../lib/export-jobs";
import type { ExportRequest } from "../../../lib/export-request";

/** What POST /api/v1/exports/series answers with 202 when an export is too large to stream in one request. */
const backgroundAnswerSchema = z.object({
  background: z.literal(true),
  reason: z.string(),
  job: jobRecordSchema,
});

/** The export was saved as a file, or the server moved it to a background job (and said why). */
export type SeriesExportResult =
  | ({ background: false } & DownloadResult)
  | { background: true; reason: string; job: JobRecord };

/**
 * A direct download through the browser's download manager: the request is checked by the server (Problem Details
 * are thrown as ApiError), which answers with a short-lived signed link the browser downloads itself, so a large file
 * never sits in the page's memory and survives the tab. An export too large to stream comes back as a background job.
 */
export async function exportSeries(
  request: ExportRequest,
  options: { onProgress?: (progress: DownloadProgress) => void; signal?: AbortSignal } = {},
): Promise<SeriesExportResult> {
  const answer = await directDownload("/api/v1/exports/series", request, { signal: options.signal });
  if (answer.background) {
    const parsed = backgroundAnswerSchema.safeParse(answer);
    if (!parsed.success) {
      throw new ApiError({ status: 202, title: "Unexpected response from the server", detail: parsed.error.issues[0]?.message });
    }
    return parsed.data;
  }
  return { ...answer, background: false };
}

/**
 * Starts an export as a browser download; `cancel` abandons the request while the server is still checking it. A large export may come back
 * as a background job instead (`data.background`).
 */
export function useExportSeries() {
  const [progress, setProgress] = useState<DownloadProgress | null>(null);
  const controller = useRef<AbortController | null>(null);
  // Leaving the page (or closing the dialog) stops a download still in flight.
  useEffect(() => () => controller.current?.abort(), []);

  const mutation = useMutation({
    mutationFn: (request: ExportRequest) => {
      controller.current?.abort();
      const current = new AbortController();
      controller.current = current;
      setProgress({ received: 0, total: undefined });
      return exportSeries(request, { onProgress: setProgress, signal: current.signal });
    },
  });

  const cancel = () => {
    controller.current?.abort();
    mutation.reset();
    setProgress(null);
  };

  return { ...mutation, progress, cancel };
}
