import { useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { apiJson } from "../../../lib/api-client";
import { SCHEDULES_QUERY_KEY, schedulePath } from "./schedule";

/** When the schedule fires next: ISO date-times with its zone's offset ("2026-11-23T09:00:00+01:00"). */
export function getNextRuns(id: string, count: number, signal?: AbortSignal): Promise<string[]> {
  return apiJson(`${schedulePath(id)}/next?count=${count}`, z.array(z.string()), { signal });
}

/** Read afresh each time: a saved schedule's next runs depend on when they are asked for. */
export function useNextRuns(id: string, count = 5) {
  return useQuery({
    queryKey: [...SCHEDULES_QUERY_KEY, "next", id, count],
    queryFn: ({ signal }) => getNextRuns(id, count, signal),
    staleTime: 0,
    gcTime: 0,
  });
}
