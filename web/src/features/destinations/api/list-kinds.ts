import { useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { apiJson } from "../../../lib/api-client";
import { DESTINATIONS_QUERY_KEY } from "../../../lib/destinations";

/** One kind as this server offers it: `reason` says why it cannot deliver there; `note` what limits it. */
export const destinationKindSchema = z.object({
  kind: z.string(),
  available: z.boolean(),
  reason: z.string().nullish(),
  note: z.string().nullish(),
});

export type DestinationKindInfo = z.infer<typeof destinationKindSchema>;

/** GET /api/v1/destinations/kinds: which kinds this server can deliver to, before anyone fills in a form. */
export function listDestinationKinds(signal?: AbortSignal): Promise<DestinationKindInfo[]> {
  return apiJson("/api/v1/destinations/kinds", z.array(destinationKindSchema), { signal });
}

/** The server's settings change only on restart: read once per page visit. */
export function useDestinationKinds() {
  return useQuery({
    queryKey: [...DESTINATIONS_QUERY_KEY, "kinds"],
    queryFn: ({ signal }) => listDestinationKinds(signal),
    staleTime: 5 * 60_000,
    retry: false,
  });
}
