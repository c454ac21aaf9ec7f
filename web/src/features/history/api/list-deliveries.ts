import { useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { apiJson } from "../../../lib/api-client";
import { DELIVERY_POLL_MS, deliveryResultSchema, isDeliveryUnderway, type DeliveryResult } from "../../../lib/deliveries";
import { EXPORT_JOBS_QUERY_KEY, exportJobPath, isFinalStatus, type JobRecord } from "../../../lib/export-jobs";

export function exportDeliveriesQueryKey(id: string) {
  return [...EXPORT_JOBS_QUERY_KEY, "deliveries", id] as const;
}

/** Each destination's result for an export, by destination name; empty until the export completes. */
export function listDeliveries(id: string, signal?: AbortSignal): Promise<DeliveryResult[]> {
  return apiJson(`${exportJobPath(id)}/deliveries`, z.array(deliveryResultSchema), { signal });
}

/**
 * Whether an export's deliveries will still change: the export is not final, a delivery is pending or retrying, or
 * the export completed and not every destination it names has a result yet (delivery starts a moment later).
 */
export function deliveriesUnsettled(status: string, results: readonly DeliveryResult[] | undefined, expected: number): boolean {
  if (!isFinalStatus(status)) return true;
  if (results?.some((result) => isDeliveryUnderway(result.status))) return true;
  return status === "completed" && (results?.length ?? 0) < expected;
}

/** The export's deliveries while `enabled` (shown), read again every couple of seconds until they settle. */
export function useExportDeliveries(job: JobRecord, expected: number, enabled: boolean, pollMs = DELIVERY_POLL_MS) {
  return useQuery({
    queryKey: exportDeliveriesQueryKey(job.id),
    queryFn: ({ signal }) => listDeliveries(job.id, signal),
    enabled,
    staleTime: 0,
    refetchInterval: (query) => (deliveriesUnsettled(job.status, query.state.data, expected) ? pollMs : false),
  });
}
