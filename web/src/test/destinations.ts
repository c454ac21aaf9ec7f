/** Destinations and delivery results as /api/v1/destinations and /api/v1/exports/{id}/deliveries answer. */

export type DestinationJson = Record<string, unknown> & { id: string; name: string; kind: string };

const stamps = { createdAt: "2026-11-21T08:00:00+00:00", updatedAt: "2026-11-21T08:00:00+00:00" };

export const OPS_MAIL = {
  id: "d-mail",
  name: "Ops inbox",
  kind: "email",
  config: { to: ["ops@example.com", "oncall@example.com"], subject: "Export ready: {template}", attachUpToBytes: 5_242_880 },
  secrets: [],
  ...stamps,
} satisfies DestinationJson;

export const HOOK = {
  id: "d-hook",
  name: "Reports hook",
  kind: "webhook",
  config: { url: "https://hooks.example.com/exports?team=ops" },
  secrets: ["signingSecret"],
  ...stamps,
} satisfies DestinationJson;

export const BUCKET = {
  id: "d-s3",
  name: "Archive bucket",
  kind: "s3",
  config: { endpoint: "https://minio.example.com:9000", bucket: "exports", prefix: "daily/", region: "eu-central-1" },
  secrets: ["accessKey", "secretKey"],
  ...stamps,
} satisfies DestinationJson;

export const SFTP = {
  id: "d-sftp",
  name: "Partner SFTP",
  kind: "sftp",
  config: { host: "files.example.com", port: 2222, username: "exports", path: "/incoming", hostKey: "SHA256:abc" },
  secrets: ["privateKey"],
  ...stamps,
} satisfies DestinationJson;

export type DeliveryJson = Record<string, unknown> & { destinationId: string; status: string };

/** A delivery of export `exportId` to the Ops inbox, delivered on the first attempt; `overrides` change any field. */
export function deliveryJson(overrides: Partial<DeliveryJson> & { exportId?: string } = {}): DeliveryJson {
  return {
    exportId: "j-run",
    destinationId: OPS_MAIL.id,
    destinationName: OPS_MAIL.name,
    kind: "email",
    status: "delivered",
    attempts: 1,
    lastError: null,
    detail: "sent to ops@example.com, oncall@example.com with the file attached",
    durationMs: 240,
    deliveredAt: "2026-11-22T10:00:06+00:00",
    ...overrides,
  };
}
