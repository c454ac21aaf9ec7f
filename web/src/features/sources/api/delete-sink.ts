import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiFetch } from "../../../lib/api-client";
import { sinksPath, sinksQueryKey, type Sink } from "./sink";

/** Deletes the sink with its secret and its batches (204); nothing more is sent to it. */
export async function deleteSink(source: string, id: string): Promise<void> {
  await apiFetch(sinksPath(source, id), { method: "DELETE" });
}

export function useDeleteSink(source: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => deleteSink(source, id),
    onSuccess: (_, id) => queryClient.setQueryData<Sink[]>(sinksQueryKey(source), (list) => list?.filter((sink) => sink.id !== id)),
  });
}
