import { useMutation } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import type { ExportRequest } from "../../../lib/export-request";
import { downloadFile, type DownloadProgress, type DownloadResult } from "../../../lib/download";
import { suggestedFilename } from "../utils/filename";

export function exportSeries(
  request: ExportRequest,
  options: { onProgress?: (progress: DownloadProgress) => void; signal?: AbortSignal } = {},
): Promise<DownloadResult> {
  return downloadFile("/api/v1/exports/series", request, {
    fallbackFilename: suggestedFilename(request),
    onProgress: options.onProgress,
    signal: options.signal,
  });
}

/** Streams an export to a file download, reporting bytes received; `cancel` aborts it. */
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
