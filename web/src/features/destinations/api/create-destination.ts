import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiJson } from "../../../lib/api-client";
import { DESTINATIONS_QUERY_KEY, destinationSchema, type Destination } from "../../../lib/destinations";
import type { DestinationBody } from "./destination";

/** 201 with the destination; 400 with fields such as "config.to[1]" or "secrets.signingSecret"; 409 for a taken name. */
export function createDestination(body: DestinationBody): Promise<Destination> {
  return apiJson("/api/v1/destinations", destinationSchema, { method: "POST", body });
}

export function useCreateDestination() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createDestination,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: DESTINATIONS_QUERY_KEY }),
  });
}
