import { useQuery } from "@tanstack/react-query";
import { DESTINATIONS_LIST_QUERY_KEY, listDestinations } from "../../../lib/destinations";

/** The caller's destinations by name; read afresh whenever the page opens. */
export function useDestinations() {
  return useQuery({ queryKey: DESTINATIONS_LIST_QUERY_KEY, queryFn: ({ signal }) => listDestinations(signal), staleTime: 0 });
}
