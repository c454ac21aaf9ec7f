import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiJson } from "../../../lib/api-client";
import { SCHEDULES_LIST_QUERY_KEY, scheduleSchema, type Schedule, type ScheduleBody } from "./schedule";

/** 201 with the schedule; 400 with fields such as "frequency.time", "cron", "timezone", "window", "retry.attempts". */
export function createSchedule(body: ScheduleBody): Promise<Schedule> {
  return apiJson("/api/v1/schedules", scheduleSchema, { method: "POST", body });
}

export function useCreateSchedule() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createSchedule,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: SCHEDULES_LIST_QUERY_KEY }),
  });
}
