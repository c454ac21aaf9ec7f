import { useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { apiJson } from "../../../lib/api-client";
import { streamTokenSchema, streamTokensPath, streamTokensQueryKey, type StreamToken } from "./stream-token";

/** GET …/stream-tokens: the source's tokens, oldest first, revoked ones included (never the tokens themselves). */
export async function listStreamTokens(source: string, signal?: AbortSignal): Promise<StreamToken[]> {
  const body = await apiJson(streamTokensPath(source), z.object({ tokens: z.array(streamTokenSchema) }), { signal });
  return body.tokens;
}

export function useStreamTokens(source: string) {
  return useQuery({ queryKey: streamTokensQueryKey(source), queryFn: ({ signal }) => listStreamTokens(source, signal), staleTime: 0 });
}
