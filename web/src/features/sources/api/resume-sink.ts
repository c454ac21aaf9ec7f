import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiJson } from "../../../lib/api-client";
import { sinkSchema, sinksPath, sinksQueryKey, type Sink } from "./sink";

/** POST …/resume: a paused sink is active again; the batch that failed is sent again first. */
export function resumeSink(source: string, id: string): Promise<Sink> {
  return apiJson(`${sinksPath(source, id)}/resume`, sinkSchema, { method: "POST" });
}

export function useResumeSink(source: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => resumeSink(source, id),
    onSuccess: (sink) =>
      queryClient.setQueryData<Sink[]>(sinksQueryKey(source), (list) => list?.map((item) => (item.id === sink.id ? sink : item))),
  });
}
