import { useQuery } from "@tanstack/react-query";
import { DESTINATIONS_LIST_QUERY_KEY, listDestinations } from "../../../lib/destinations";

/** Every destination a schedule can deliver to (the list the Destinations page shows). */
export function useDestinationChoices() {
  return useQuery({ queryKey: DESTINATIONS_LIST_QUERY_KEY, queryFn: ({ signal }) => listDestinations(signal), staleTime: 0 });
}
