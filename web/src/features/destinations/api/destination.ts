import type { DestinationKind } from "../../../lib/destinations";

/** What POST and PUT /api/v1/destinations take; the destination record itself is shared (lib/destinations). */

export interface EmailConfig {
  /** 1 to 20 addresses. */
  to: string[];
  /** May use {template}, {source}, {range}, {date} and {date:yyyy-MM-dd}. */
  subject?: string;
  /** 0 to 26214400; larger files are sent as a signed link. The server's default is 10 MB. */
  attachUpToBytes?: number;
}

export interface WebhookConfig {
  url: string;
}

export interface S3Config {
  /** An S3-compatible server; AWS without. */
  endpoint?: string;
  bucket: string;
  prefix?: string;
  region?: string;
  pathStyle?: boolean;
}

export interface SftpConfig {
  host: string;
  port?: number;
  username: string;
  /** The folder files are written to. */
  path?: string;
  /** The server's host key fingerprint as `ssh-keygen -lf` prints it ("SHA256:…"); it is pinned. */
  hostKey: string;
}

export type DestinationConfig = EmailConfig | WebhookConfig | S3Config | SftpConfig;

/**
 * Secrets are write-only: the server keeps those a PUT leaves out. webhook: signingSecret (16 characters or more);
 * s3: accessKey and secretKey; sftp: privateKey (OpenSSH) or password.
 */
export type DestinationSecrets = Partial<Record<"signingSecret" | "accessKey" | "secretKey" | "privateKey" | "password", string>>;

export interface DestinationBody {
  name: string;
  kind: DestinationKind;
  config: DestinationConfig;
  secrets?: DestinationSecrets;
}
