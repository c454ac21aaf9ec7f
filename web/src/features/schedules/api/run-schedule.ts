import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiJson } from "../../../lib/api-client";
import { runSchema, schedulePath, scheduleRunsQueryKey, type ScheduleRun } from "./schedule";

/** Runs the schedule's template now (202 with the run: "queued" with its export, or "refused" and why). */
export function runSchedule(id: string): Promise<ScheduleRun | null> {
  return apiJson(`${schedulePath(id)}/run`, runSchema.nullable(), { method: "POST" });
}

export function useRunSchedule() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: runSchedule,
    onSuccess: (run, id) => {
      // Show the run at once at the top of the history, then read the history again.
      if (run) {
        queryClient.setQueryData<ScheduleRun[]>(scheduleRunsQueryKey(id), (runs) =>
          runs ? [run, ...runs.filter((item) => item.id !== run.id)] : runs,
        );
      }
      void queryClient.invalidateQueries({ queryKey: scheduleRunsQueryKey(id) });
    },
  });
}
