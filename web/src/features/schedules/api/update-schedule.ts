import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiJson } from "../../../lib/api-client";
import { SCHEDULES_LIST_QUERY_KEY, schedulePath, scheduleSchema, type Schedule, type ScheduleBody } from "./schedule";

/** Replaces the schedule's settings (same body and checks as creating one). */
export function updateSchedule(id: string, body: ScheduleBody): Promise<Schedule> {
  return apiJson(schedulePath(id), scheduleSchema, { method: "PUT", body });
}

export function useUpdateSchedule() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: ScheduleBody }) => updateSchedule(id, body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: SCHEDULES_LIST_QUERY_KEY }),
  });
}
