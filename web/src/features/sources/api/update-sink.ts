import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiJson } from "../../../lib/api-client";
import { sinkSchema, sinksPath, sinksQueryKey, type Sink, type SinkBody } from "./sink";

/** PUT /sources/{source}/sinks/{id}: replaces url, metrics, filter and batching; no secret keeps the stored one. */
export function updateSink(source: string, id: string, body: SinkBody): Promise<Sink> {
  return apiJson(sinksPath(source, id), sinkSchema, { method: "PUT", body });
}

export function useUpdateSink(source: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: SinkBody }) => updateSink(source, id, body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: sinksQueryKey(source) }),
  });
}
