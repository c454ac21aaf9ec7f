import { useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { apiJson } from "../../../lib/api-client";
import { sinkSchema, sinksPath, sinksQueryKey, type Sink } from "./sink";

/** GET /sources/{source}/sinks: the source's sinks, oldest first (secrets never returned). */
export function listSinks(source: string, signal?: AbortSignal): Promise<Sink[]> {
  return apiJson(sinksPath(source), z.array(sinkSchema), { signal });
}

export function useSinks(source: string) {
  return useQuery({ queryKey: sinksQueryKey(source), queryFn: ({ signal }) => listSinks(source, signal), staleTime: 0 });
}
