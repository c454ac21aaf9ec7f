import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiJson } from "../../../lib/api-client";
import { sinkSchema, sinksPath, sinksQueryKey, type Sink, type SinkBody } from "./sink";

/** 201 with the sink; 400 with field errors ("url", "secret", "metrics", "batchMs", …); 409 past the owner's limit. */
export function createSink(source: string, body: SinkBody): Promise<Sink> {
  return apiJson(sinksPath(source), sinkSchema, { method: "POST", body });
}

export function useCreateSink(source: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: SinkBody) => createSink(source, body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: sinksQueryKey(source) }),
  });
}
