import { useQuery, type QueryClient } from "@tanstack/react-query";
import { z } from "zod";
import { apiJson } from "../../../lib/api-client";
import { SCHEDULES_LIST_QUERY_KEY, scheduleSchema, type Schedule } from "./schedule";

/** The caller's schedules by name, each with its next three runs. */
export function listSchedules(signal?: AbortSignal): Promise<Schedule[]> {
  return apiJson("/api/v1/schedules", z.array(scheduleSchema), { signal });
}

/** Read afresh whenever the page opens: next runs move on with time. */
export function useSchedules() {
  return useQuery({ queryKey: SCHEDULES_LIST_QUERY_KEY, queryFn: ({ signal }) => listSchedules(signal), staleTime: 0 });
}

/** Puts a schedule the server answered with in the list, in place of its older self. */
export function replaceListedSchedule(client: QueryClient, schedule: Schedule): void {
  client.setQueryData<Schedule[]>(SCHEDULES_LIST_QUERY_KEY, (list) =>
    list?.map((item) => (item.id === schedule.id ? schedule : item)),
  );
}
