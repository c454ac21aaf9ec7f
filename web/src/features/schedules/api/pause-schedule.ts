import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiJson } from "../../../lib/api-client";
import { replaceListedSchedule } from "./list-schedules";
import { schedulePath, scheduleSchema, type Schedule } from "./schedule";

/** Pauses (no runs, no next runs) or resumes a schedule; answers with it. */
export function setScheduleActive(id: string, active: boolean): Promise<Schedule> {
  return apiJson(`${schedulePath(id)}/${active ? "resume" : "pause"}`, scheduleSchema, { method: "POST" });
}

export function useSetScheduleActive() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, active }: { id: string; active: boolean }) => setScheduleActive(id, active),
    onSuccess: (schedule) => replaceListedSchedule(queryClient, schedule),
  });
}
