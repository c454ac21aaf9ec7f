import type { ReactNode } from "react";
import { Checkbox } from "../../../components/ui/Checkbox";
import { TextArea } from "../../../components/ui/TextArea";
import { TextInput } from "../../../components/ui/TextInput";
import type { DestinationKind } from "../../../lib/destinations";
import type { DestinationDraft } from "../utils/destination-draft";

/** The server's field errors each kind's fields show beside them ("config.to[n]" goes to Recipients too). */
export const KIND_FIELDS: Record<DestinationKind, readonly string[]> = {
  email: ["config.to", "config.subject", "config.attachUpToBytes"],
  webhook: ["config.url", "secrets.signingSecret"],
  s3: ["config.endpoint", "config.bucket", "config.prefix", "config.region", "config.pathStyle", "secrets.accessKey", "secrets.secretKey"],
  sftp: ["config.host", "config.port", "config.username", "config.path", "config.hostKey", "secrets.privateKey", "secrets.password"],
};

export interface KindFieldsProps {
  draft: DestinationDraft;
  set: <K extends keyof DestinationDraft>(key: K, value: DestinationDraft[K]) => void;
  fieldErrors: (...fields: string[]) => string[] | undefined;
  /** Messages about the recipients, each naming the address it is about. */
  recipientErrors: string[] | undefined;
  /** Names of the secrets the edited destination has stored: an empty box keeps them. */
  storedSecrets: readonly string[];
}

/** The settings and secrets of the chosen kind. */
export function KindFields(props: KindFieldsProps) {
  switch (props.draft.kind) {
    case "email":
      return <EmailFields {...props} />;
    case "webhook":
      return <WebhookFields {...props} />;
    case "s3":
      return <S3Fields {...props} />;
    case "sftp":
      return <SftpFields {...props} />;
  }
}

interface SecretProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  stored: boolean;
  hint?: ReactNode;
  errors: string[] | undefined;
  multiline?: boolean;
  placeholder?: string;
}

/** A write-only value: never shown again once saved; "unchanged" while a stored one is kept. */
function SecretField({ label, value, onChange, stored, hint, errors, multiline, placeholder }: SecretProps) {
  const fullHint = !stored ? hint : hint ? <>{hint} Leave empty to keep the stored one.</> : "Stored: leave empty to keep it.";
  const shared = {
    label,
    value,
    onChange,
    errors,
    hint: fullHint,
    placeholder: stored ? "unchanged" : placeholder,
    spellCheck: false,
    autoComplete: "off",
  };
  return multiline ? (
    <TextArea {...shared} className="span-2" rows={4} />
  ) : (
    <TextInput {...shared} type="password" autoComplete="new-password" />
  );
}

function EmailFields({ draft, set, fieldErrors, recipientErrors }: KindFieldsProps) {
  return (
    <div className="options-grid">
      <TextArea
        className="span-2"
        label="Recipients"
        value={draft.recipients}
        onChange={(value) => set("recipients", value)}
        rows={3}
        spellCheck={false}
        placeholder="ops@example.com, reports@example.com"
        hint="Up to 20 addresses, separated by commas or new lines."
        errors={recipientErrors}
      />
      <TextInput
        label="Subject"
        value={draft.subject}
        onChange={(value) => set("subject", value)}
        placeholder="Export ready: {template}"
        autoComplete="off"
        hint="Optional. May use {template}, {source}, {range} and {date:yyyy-MM-dd}."
        errors={fieldErrors("config.subject")}
      />
      <TextInput
        type="number"
        inputMode="decimal"
        min={0}
        max={25}
        step="any"
        label="Attachment limit (MB)"
        value={draft.attachMb}
        onChange={(value) => set("attachMb", value)}
        placeholder="10"
        hint="Files up to this size are attached (at most 25 MB); larger ones are sent as a download link."
        errors={fieldErrors("config.attachUpToBytes")}
      />
    </div>
  );
}

function WebhookFields({ draft, set, fieldErrors, storedSecrets }: KindFieldsProps) {
  return (
    <div className="options-grid">
      <TextInput
        type="url"
        label="URL"
        value={draft.url}
        onChange={(value) => set("url", value)}
        placeholder="https://hooks.example.com/exports"
        spellCheck={false}
        autoComplete="off"
        hint="Receives a POST with the export's file name, size, checksum and download link."
        errors={fieldErrors("config.url")}
      />
      <SecretField
        label="Signing secret"
        value={draft.signingSecret}
        onChange={(value) => set("signingSecret", value)}
        stored={storedSecrets.includes("signingSecret")}
        hint="At least 16 characters. Each request carries its HMAC-SHA256 signature in Exports-Signature."
        errors={fieldErrors("secrets.signingSecret")}
      />
    </div>
  );
}

function S3Fields({ draft, set, fieldErrors, storedSecrets }: KindFieldsProps) {
  return (
    <>
      <div className="options-grid">
        <TextInput
          label="Bucket"
          value={draft.bucket}
          onChange={(value) => set("bucket", value)}
          spellCheck={false}
          autoComplete="off"
          errors={fieldErrors("config.bucket")}
        />
        <TextInput
          label="Prefix"
          value={draft.prefix}
          onChange={(value) => set("prefix", value)}
          placeholder="exports/"
          spellCheck={false}
          autoComplete="off"
          hint="Optional: files are written under it."
          errors={fieldErrors("config.prefix")}
        />
        <TextInput
          type="url"
          label="Endpoint"
          value={draft.endpoint}
          onChange={(value) => set("endpoint", value)}
          placeholder="https://minio.example.com"
          spellCheck={false}
          autoComplete="off"
          hint="Optional: an S3-compatible server. Empty for AWS."
          errors={fieldErrors("config.endpoint")}
        />
        <TextInput
          label="Region"
          value={draft.region}
          onChange={(value) => set("region", value)}
          placeholder="eu-central-1"
          spellCheck={false}
          autoComplete="off"
          errors={fieldErrors("config.region")}
        />
      </div>
      <Checkbox
        label="Path-style addressing"
        checked={draft.pathStyle}
        onChange={(value) => set("pathStyle", value)}
        hint="The bucket in the path (endpoint/bucket/key), as most S3-compatible servers want; off for bucket.endpoint/key."
      />
      <div className="options-grid">
        <SecretField
          label="Access key"
          value={draft.accessKey}
          onChange={(value) => set("accessKey", value)}
          stored={storedSecrets.includes("accessKey")}
          errors={fieldErrors("secrets.accessKey")}
        />
        <SecretField
          label="Secret key"
          value={draft.secretKey}
          onChange={(value) => set("secretKey", value)}
          stored={storedSecrets.includes("secretKey")}
          errors={fieldErrors("secrets.secretKey")}
        />
      </div>
    </>
  );
}

function SftpFields({ draft, set, fieldErrors, storedSecrets }: KindFieldsProps) {
  return (
    <div className="options-grid">
      <TextInput
        label="Host"
        value={draft.host}
        onChange={(value) => set("host", value)}
        placeholder="files.example.com"
        spellCheck={false}
        autoComplete="off"
        errors={fieldErrors("config.host")}
      />
      <TextInput
        type="number"
        inputMode="numeric"
        min={1}
        max={65535}
        label="Port"
        value={draft.port}
        onChange={(value) => set("port", value)}
        placeholder="22"
        errors={fieldErrors("config.port")}
      />
      <TextInput
        label="Username"
        value={draft.username}
        onChange={(value) => set("username", value)}
        spellCheck={false}
        autoComplete="off"
        errors={fieldErrors("config.username")}
      />
      <TextInput
        label="Path"
        value={draft.path}
        onChange={(value) => set("path", value)}
        placeholder="/uploads/exports"
        spellCheck={false}
        autoComplete="off"
        hint="Optional: the folder files are written to; the login folder without."
        errors={fieldErrors("config.path")}
      />
      <TextInput
        className="span-2"
        label="Host key fingerprint"
        value={draft.hostKey}
        onChange={(value) => set("hostKey", value)}
        placeholder="SHA256:…"
        spellCheck={false}
        autoComplete="off"
        hint="The server's key as “ssh-keygen -lf” prints it. It is pinned: a server with another key is refused."
        errors={fieldErrors("config.hostKey")}
      />
      <SecretField
        multiline
        label="Private key"
        value={draft.privateKey}
        onChange={(value) => set("privateKey", value)}
        stored={storedSecrets.includes("privateKey")}
        placeholder="-----BEGIN OPENSSH PRIVATE KEY-----"
        hint="OpenSSH format. A private key or a password is needed."
        errors={fieldErrors("secrets.privateKey")}
      />
      <SecretField
        label="Password"
        value={draft.password}
        onChange={(value) => set("password", value)}
        stored={storedSecrets.includes("password")}
        errors={fieldErrors("secrets.password")}
      />
    </div>
  );
}
