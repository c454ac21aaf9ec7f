import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { ExportRequest } from "../../../lib/export-request";
import { createTemplate, TEMPLATES_QUERY_KEY, type Template } from "../../../lib/templates";
import { seriesEnvelope } from "./run-in-background";

/**
 * Saves the request as a template: the same envelope "Run in background" would send. The server refuses an absolute
 * time range ("request.series.timeframe") and a name the caller already uses (409).
 */
export function saveAsTemplate(name: string, request: ExportRequest): Promise<Template> {
  return createTemplate({ name, request: seriesEnvelope(request) });
}

export function useSaveAsTemplate() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ name, request }: { name: string; request: ExportRequest }) => saveAsTemplate(name, request),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: TEMPLATES_QUERY_KEY }),
  });
}
