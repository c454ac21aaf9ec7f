import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiJson } from "../../../lib/api-client";
import { DESTINATIONS_QUERY_KEY, destinationPath, destinationSchema, type Destination } from "../../../lib/destinations";
import type { DestinationBody } from "./destination";

/** Replaces the destination's name, kind and settings; secrets left out keep their stored values. */
export function updateDestination(id: string, body: DestinationBody): Promise<Destination> {
  return apiJson(destinationPath(id), destinationSchema, { method: "PUT", body });
}

export function useUpdateDestination() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: DestinationBody }) => updateDestination(id, body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: DESTINATIONS_QUERY_KEY }),
  });
}
