import { useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { apiJson } from "../../../lib/api-client";
import { runSchema, schedulePath, scheduleRunsQueryKey, type ScheduleRun } from "./schedule";

export const RUNS_LIMIT = 20;

/** The schedule's runs, newest first, each with its export's state. */
export function listRuns(id: string, limit = RUNS_LIMIT, signal?: AbortSignal): Promise<ScheduleRun[]> {
  return apiJson(`${schedulePath(id)}/runs?limit=${limit}`, z.array(runSchema), { signal });
}

export function useScheduleRuns(id: string) {
  return useQuery({ queryKey: scheduleRunsQueryKey(id), queryFn: ({ signal }) => listRuns(id, RUNS_LIMIT, signal), staleTime: 0 });
}
