import { useMutation } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { z } from "zod";
import { ApiError, apiFetch } from "../../../lib/api-client";
import { saveResponse, type DownloadProgress, type DownloadResult } from "../../../lib/download";
import { jobRecordSchema, type JobRecord } from "../../../lib/export-jobs";
import type { ExportRequest } from "../../../lib/export-request";
import { suggestedFilename } from "../utils/filename";

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

export async function exportSeries(
  request: ExportRequest,
  options: { onProgress?: (progress: DownloadProgress) => void; signal?: AbortSignal } = {},
): Promise<SeriesExportResult> {
  const response = await apiFetch("/api/v1/exports/series", {
    method: "POST",
    body: request,
    signal: options.signal,
    headers: { Accept: "*/*" },
  });
  if (response.status === 202) {
    const answer = backgroundAnswerSchema.safeParse(await response.json().catch(() => undefined));
    if (!answer.success) {
      throw new ApiError({ status: 202, title: "Unexpected response from the server", detail: answer.error.issues[0]?.message });
    }
    return answer.data;
  }
  const saved = await saveResponse(response, {
    fallbackFilename: suggestedFilename(request),
    onProgress: options.onProgress,
  });
  return { background: false, ...saved };
}

/**
 * Streams an export to a file download, reporting bytes received; `cancel` aborts it. A large export may come back
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
