import { z } from "zod";
import { apiJson } from "./api-client";

/** Where exports are delivered (/api/v1/destinations): the record and the list every page that picks one reads. */

export const DESTINATION_KINDS = ["email", "webhook", "s3", "sftp"] as const;
export type DestinationKind = (typeof DESTINATION_KINDS)[number];

export const DESTINATION_KIND_LABELS: Record<DestinationKind, string> = {
  email: "E-mail",
  webhook: "Webhook",
  s3: "S3",
  sftp: "SFTP",
};

export function destinationKindLabel(kind: string): string {
  return DESTINATION_KIND_LABELS[kind as DestinationKind] ?? kind;
}

export const destinationSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(DESTINATION_KINDS).or(z.string()),
  /** The kind's settings as stored; read leniently, since it is only shown and edited. */
  config: z.record(z.string(), z.unknown()).catch({}),
  /** Names of the secrets that are set ("signingSecret", "accessKey", …); their values are never sent back. */
  secrets: z.array(z.string()).default([]),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export type Destination = z.infer<typeof destinationSchema>;

/** Every destination query starts with this key. */
export const DESTINATIONS_QUERY_KEY = ["destinations"] as const;
export const DESTINATIONS_LIST_QUERY_KEY = [...DESTINATIONS_QUERY_KEY, "list"] as const;

export function destinationPath(id: string): string {
  return `/api/v1/destinations/${encodeURIComponent(id)}`;
}

/** The caller's destinations, secrets listed by name only. */
export function listDestinations(signal?: AbortSignal): Promise<Destination[]> {
  return apiJson("/api/v1/destinations", z.array(destinationSchema), { signal });
}
