import { z } from "zod";

/** What became of an export at each destination it named (GET /exports/{id}/deliveries, and each schedule run). */

export const DELIVERY_STATUSES = ["pending", "retrying", "delivered", "failed"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const deliveryResultSchema = z.object({
  exportId: z.string(),
  destinationId: z.string(),
  /** As it was named when the delivery started; "(deleted)" for a destination that no longer exists. */
  destinationName: z.string(),
  kind: z.string(),
  status: z.enum(DELIVERY_STATUSES).or(z.string()),
  attempts: z.number().default(0),
  lastError: z.string().nullish(),
  /** What the channel reports: "sent to a@b.c with the file attached", "s3://bucket/key", "HTTP 204", … */
  detail: z.string().nullish(),
  durationMs: z.number().nullish(),
  deliveredAt: z.string().nullish(),
});

export type DeliveryResult = z.infer<typeof deliveryResultSchema>;

/** How often a page reads deliveries again while one is under way. */
export const DELIVERY_POLL_MS = 2_000;

/** Pending or retrying: the result will change. */
export function isDeliveryUnderway(status: string): boolean {
  return status === "pending" || status === "retrying";
}

const STATUS_LABELS: Record<DeliveryStatus, string> = {
  pending: "Pending",
  retrying: "Retrying",
  delivered: "Delivered",
  failed: "Failed",
};

export function deliveryStatusLabel(status: string): string {
  return STATUS_LABELS[status as DeliveryStatus] ?? status;
}

/** The badge colour, in the export states' palette. */
export function deliveryStatusClass(status: string): string {
  if (status === "delivered") return "status-completed";
  if (status === "failed") return "status-failed";
  return "status-processing";
}

/** The destinations an export envelope names in `delivery.destinations`; empty when it names none. */
export function requestedDestinations(request: unknown): string[] {
  if (typeof request !== "object" || request === null) return [];
  const delivery = (request as { delivery?: unknown }).delivery;
  if (typeof delivery !== "object" || delivery === null) return [];
  const ids = (delivery as { destinations?: unknown }).destinations;
  return Array.isArray(ids) ? [...new Set(ids.filter((id): id is string => typeof id === "string"))] : [];
}
