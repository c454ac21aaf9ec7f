import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiFetch } from "../../../lib/api-client";
import { streamTokensPath, streamTokensQueryKey } from "./stream-token";

/** Revokes the token at once (204); its open streams end. */
export async function revokeStreamToken(source: string, id: string): Promise<void> {
  await apiFetch(streamTokensPath(source, id), { method: "DELETE" });
}

export function useRevokeStreamToken(source: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => revokeStreamToken(source, id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: streamTokensQueryKey(source) }),
  });
}
