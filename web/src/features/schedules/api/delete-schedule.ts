import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiFetch } from "../../../lib/api-client";
import { SCHEDULES_LIST_QUERY_KEY, schedulePath, type Schedule } from "./schedule";

/** Deletes the schedule and its runs (204); the exports they made stay in History. */
export async function deleteSchedule(id: string): Promise<void> {
  await apiFetch(schedulePath(id), { method: "DELETE" });
}

export function useDeleteSchedule() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteSchedule,
    onSuccess: (_, id) =>
      queryClient.setQueryData<Schedule[]>(SCHEDULES_LIST_QUERY_KEY, (list) => list?.filter((item) => item.id !== id)),
  });
}
