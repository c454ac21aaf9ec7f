import { DESTINATION_KINDS, type Destination, type DestinationKind } from "../../../lib/destinations";
import type { DestinationBody, DestinationConfig, DestinationSecrets, EmailConfig, S3Config, SftpConfig } from "../api/destination";

export const MB = 1024 * 1024;

/** The destination form as typed: numbers are kept as the inputs' text, secrets start empty (empty = keep). */
export interface DestinationDraft {
  name: string;
  kind: DestinationKind;
  /** email: addresses separated by commas, semicolons or new lines. */
  recipients: string;
  subject: string;
  /** email: megabytes; empty for the server's default. */
  attachMb: string;
  /** webhook. */
  url: string;
  signingSecret: string;
  /** s3. */
  endpoint: string;
  bucket: string;
  prefix: string;
  region: string;
  pathStyle: boolean;
  accessKey: string;
  secretKey: string;
  /** sftp. */
  host: string;
  port: string;
  username: string;
  path: string;
  hostKey: string;
  privateKey: string;
  password: string;
  /** The byte limit an edited destination was saved with, sent back as it was while its megabytes are unchanged. */
  savedAttach?: { text: string; bytes: number } | undefined;
}

export function newDraft(kind: DestinationKind = "email"): DestinationDraft {
  return {
    name: "",
    kind,
    recipients: "",
    subject: "",
    attachMb: "",
    url: "",
    signingSecret: "",
    endpoint: "",
    bucket: "",
    prefix: "",
    region: "",
    // The server addresses buckets path-style unless told otherwise.
    pathStyle: true,
    accessKey: "",
    secretKey: "",
    host: "",
    port: "",
    username: "",
    path: "",
    hostKey: "",
    privateKey: "",
    password: "",
  };
}

function isKind(value: string): value is DestinationKind {
  return (DESTINATION_KINDS as readonly string[]).includes(value);
}

function text(value: unknown): string {
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : "";
}

/** 10485760 -> "10", 1500000 -> "1.43". */
export function megabytes(bytes: number): string {
  return String(Number((bytes / MB).toFixed(2)));
}

/** The form for editing a destination: its settings as stored, its secrets empty (kept unless typed). */
export function draftFromDestination(destination: Destination): DestinationDraft {
  const config = destination.config;
  const to = Array.isArray(config.to) ? config.to.filter((address): address is string => typeof address === "string") : [];
  const attach = typeof config.attachUpToBytes === "number" ? config.attachUpToBytes : undefined;
  const attachMb = attach !== undefined ? megabytes(attach) : "";
  return {
    ...newDraft(isKind(destination.kind) ? destination.kind : "email"),
    name: destination.name,
    recipients: to.join("\n"),
    subject: text(config.subject),
    attachMb,
    savedAttach: attach !== undefined ? { text: attachMb, bytes: attach } : undefined,
    url: text(config.url),
    endpoint: text(config.endpoint),
    bucket: text(config.bucket),
    prefix: text(config.prefix),
    region: text(config.region),
    pathStyle: config.pathStyle !== false,
    host: text(config.host),
    port: text(config.port),
    username: text(config.username),
    path: text(config.path),
    hostKey: text(config.hostKey),
  };
}

/** "a@x.org, b@x.org\nc@x.org" -> the three addresses. */
export function parseRecipients(value: string): string[] {
  return value
    .split(/[,;\n\r]+/)
    .map((address) => address.trim())
    .filter((address) => address !== "");
}

/** Sets `key` when the trimmed text is not empty. */
function optional<T extends object>(target: T, key: keyof T & string, value: string): void {
  const trimmed = value.trim();
  if (trimmed) (target as Record<string, unknown>)[key] = trimmed;
}

function configOf(draft: DestinationDraft): DestinationConfig {
  switch (draft.kind) {
    case "email": {
      const config: EmailConfig = { to: parseRecipients(draft.recipients) };
      optional(config, "subject", draft.subject);
      const mb = draft.attachMb.trim();
      if (draft.savedAttach && mb === draft.savedAttach.text) config.attachUpToBytes = draft.savedAttach.bytes;
      else if (mb !== "") config.attachUpToBytes = Math.round(Number(mb) * MB);
      return config;
    }
    case "webhook":
      return { url: draft.url.trim() };
    case "s3": {
      const config: S3Config = { bucket: draft.bucket.trim() };
      optional(config, "endpoint", draft.endpoint);
      optional(config, "prefix", draft.prefix);
      optional(config, "region", draft.region);
      if (!draft.pathStyle) config.pathStyle = false;
      return config;
    }
    case "sftp": {
      const config: SftpConfig = { host: draft.host.trim(), username: draft.username.trim(), hostKey: draft.hostKey.trim() };
      if (draft.port.trim() !== "") config.port = Number(draft.port);
      optional(config, "path", draft.path);
      return config;
    }
  }
}

const SECRETS: Record<DestinationKind, readonly (keyof DestinationSecrets & keyof DestinationDraft)[]> = {
  email: [],
  webhook: ["signingSecret"],
  s3: ["accessKey", "secretKey"],
  sftp: ["privateKey", "password"],
};

/** The secrets typed for the draft's kind; an empty box sends nothing, so the stored value stays. */
function secretsOf(draft: DestinationDraft): DestinationSecrets | undefined {
  const secrets: DestinationSecrets = {};
  for (const name of SECRETS[draft.kind]) {
    const value = draft[name];
    // Sent as typed: a password may begin or end with a space.
    if (value.trim() !== "") secrets[name] = value;
  }
  return Object.keys(secrets).length > 0 ? secrets : undefined;
}

/**
 * The body POST/PUT /api/v1/destinations takes: the kind's settings that are filled in (the server's defaults hold
 * for the rest), and only the secrets that were typed. The server checks every value.
 */
export function toDestinationBody(draft: DestinationDraft): DestinationBody {
  const body: DestinationBody = { name: draft.name.trim(), kind: draft.kind, config: configOf(draft) };
  const secrets = secretsOf(draft);
  if (secrets) body.secrets = secrets;
  return body;
}
