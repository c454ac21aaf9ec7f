import { useQuery } from "@tanstack/react-query";
import { DESTINATIONS_LIST_QUERY_KEY, listDestinations } from "../../../lib/destinations";

/** The destinations a background export can be delivered to; read once `enabled` (the choice is on screen). */
export function useDestinationChoices(enabled: boolean) {
  return useQuery({
    queryKey: DESTINATIONS_LIST_QUERY_KEY,
    queryFn: ({ signal }) => listDestinations(signal),
    enabled,
    staleTime: 0,
  });
}
