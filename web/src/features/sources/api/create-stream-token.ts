import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiJson } from "../../../lib/api-client";
import {
  createdStreamTokenSchema,
  streamTokensPath,
  streamTokensQueryKey,
  type CreatedStreamToken,
  type StreamTokenBody,
} from "./stream-token";

/** 201 with the token and its stream url (shown once); 400 with "name", "origins" or "expiresInDays"; 409 past the
 * source's limit of live tokens. */
export function createStreamToken(source: string, body: StreamTokenBody): Promise<CreatedStreamToken> {
  return apiJson(streamTokensPath(source), createdStreamTokenSchema, { method: "POST", body });
}

export function useCreateStreamToken(source: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: StreamTokenBody) => createStreamToken(source, body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: streamTokensQueryKey(source) }),
  });
}
