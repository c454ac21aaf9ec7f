import type { Destination } from "../../../lib/destinations";

const SECRET_LABELS: Record<string, string> = {
  signingSecret: "Signing secret",
  accessKey: "Access key",
  secretKey: "Secret key",
  privateKey: "Private key",
  password: "Password",
};

export function secretLabel(name: string): string {
  return SECRET_LABELS[name] ?? name;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host || url;
  } catch {
    return url;
  }
}

/** "a@x.org, b@x.org, c@x.org and 2 more". */
function recipients(to: unknown): string {
  const list = Array.isArray(to) ? to.filter((address): address is string => typeof address === "string") : [];
  if (list.length === 0) return "No recipients";
  return list.length <= 3 ? list.join(", ") : `${list.slice(0, 3).join(", ")} and ${list.length - 3} more`;
}

/**
 * Where a destination sends files, in a line: its recipients; the webhook's host; "s3://bucket/prefix" (on an
 * S3-compatible server's host); "user@host:path" for SFTP.
 */
export function describeTarget(destination: Destination): string {
  const config = destination.config;
  switch (destination.kind) {
    case "email":
      return recipients(config.to);
    case "webhook": {
      const url = text(config.url);
      return url ? hostOf(url) : "–";
    }
    case "s3": {
      const where = `s3://${text(config.bucket) ?? "?"}/${text(config.prefix) ?? ""}`;
      const endpoint = text(config.endpoint);
      return endpoint ? `${where} on ${hostOf(endpoint)}` : where;
    }
    case "sftp": {
      const user = text(config.username);
      const port = typeof config.port === "number" && config.port !== 22 ? ` (port ${config.port})` : "";
      return `${user ? `${user}@` : ""}${text(config.host) ?? "?"}:${text(config.path) ?? "~"}${port}`;
    }
    default:
      return "–";
  }
}

/** "Signing secret set", "Access key and secret key set"; undefined when none is set. */
export function describeSecrets(names: readonly string[]): string | undefined {
  if (names.length === 0) return undefined;
  const labels = names.map((name, index) => (index === 0 ? secretLabel(name) : secretLabel(name).toLowerCase()));
  const listed = labels.length === 1 ? labels[0] : `${labels.slice(0, -1).join(", ")} and ${labels[labels.length - 1]}`;
  return `${listed} set`;
}
