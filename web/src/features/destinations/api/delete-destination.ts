import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiFetch } from "../../../lib/api-client";
import { DESTINATIONS_LIST_QUERY_KEY, destinationPath, type Destination } from "../../../lib/destinations";

/** Deletes the destination (204). Schedules and exports that still name it record a failed delivery. */
export async function deleteDestination(id: string): Promise<void> {
  await apiFetch(destinationPath(id), { method: "DELETE" });
}

export function useDeleteDestination() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteDestination,
    onSuccess: (_, id) =>
      queryClient.setQueryData<Destination[]>(DESTINATIONS_LIST_QUERY_KEY, (list) => list?.filter((item) => item.id !== id)),
  });
}
