import { useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { apiJson } from "../../../lib/api-client";
import { sinkDeliverySchema, sinksPath, sinksQueryKey, type SinkDelivery } from "./sink";

/** GET …/deliveries: the sink's latest 100 batches, newest first. */
export async function listSinkDeliveries(source: string, id: string, signal?: AbortSignal): Promise<SinkDelivery[]> {
  const list = await apiJson(`${sinksPath(source, id)}/deliveries`, z.array(sinkDeliverySchema), { signal });
  return [...list].sort((a, b) => b.sequence - a.sequence);
}

/** Read while the disclosure is open; refreshed on request. */
export function useSinkDeliveries(source: string, id: string, enabled: boolean) {
  return useQuery({
    queryKey: [...sinksQueryKey(source), id, "deliveries"],
    queryFn: ({ signal }) => listSinkDeliveries(source, id, signal),
    enabled,
    staleTime: 0,
  });
}
