import { useId, useRef, useState } from "react";
import { QueryState } from "../../../components/QueryState";
import { Button } from "../../../components/ui/Button";
import { ConfirmDialog } from "../../../components/ui/ConfirmDialog";
import { formatInstantPrecise } from "../../../lib/format";
import type { Source } from "../api/list-sources";
import { useRevokeStreamToken } from "../api/revoke-stream-token";
import { useStreamTokens } from "../api/list-stream-tokens";
import type { CreatedStreamToken, StreamToken } from "../api/stream-token";
import { CreatedTokenPanel } from "./CreatedTokenPanel";
import { StreamTokenForm } from "./StreamTokenForm";

/** The source's stream tokens: the list (revoked and expired ones marked), "Create token", and the new token once. */
export function StreamTokensSection({ source }: { source: Source }) {
  const titleId = useId();
  const tokens = useStreamTokens(source.name);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedStreamToken | null>(null);
  const [notice, setNotice] = useState("");
  // Closing the form or the new token's panel puts focus back where it started.
  const createRef = useRef<HTMLButtonElement>(null);
  // A revoked token's Revoke button is gone: focus goes to the section's heading.
  const headingRef = useRef<HTMLHeadingElement>(null);

  return (
    <section className="card stack" aria-labelledby={titleId}>
      <div className="toolbar">
        <div className="stack-tight">
          <h2 ref={headingRef} id={titleId} className="section-title" tabIndex={-1}>
            Stream tokens
          </h2>
          <p className="muted">
            A token lets a page or a script read {source.name}'s new rows as Server-Sent Events (EventSource), and
            nothing else. Pages may read it only from the origins you list.
          </p>
        </div>
        <div className="toolbar-actions">
          <Button
            ref={createRef}
            variant="primary"
            disabled={creating}
            onClick={() => {
              setNotice("");
              setCreated(null);
              setCreating(true);
            }}
          >
            Create token
          </Button>
        </div>
      </div>
      <p role="status" className="field-hint page-notice">
        {notice}
      </p>
      {creating && (
        <div className="source-editor">
          <StreamTokenForm
            source={source.name}
            onCreated={(token) => {
              setCreating(false);
              setCreated(token);
            }}
            onCancel={() => {
              setCreating(false);
              requestAnimationFrame(() => createRef.current?.focus());
            }}
          />
        </div>
      )}
      {created && (
        <CreatedTokenPanel
          token={created}
          onDone={() => {
            setCreated(null);
            createRef.current?.focus();
          }}
        />
      )}
      {tokens.data === undefined ? (
        <QueryState query={tokens} loading="Loading stream tokens…" failed="The stream tokens could not be loaded." />
      ) : tokens.data.length === 0 ? (
        <p className="empty">No stream tokens yet. Choose “Create token” to stream this source's new rows to a page.</p>
      ) : (
        <ul className="source-items" aria-label="Stream tokens">
          {tokens.data.map((token) => (
            <TokenItem
              key={token.id}
              source={source.name}
              token={token}
              onRevoked={() => {
                setNotice(`Revoked “${token.name}”: its open streams end.`);
                setCreated((current) => (current?.id === token.id ? null : current));
                requestAnimationFrame(() => headingRef.current?.focus());
              }}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function tokenState(token: StreamToken, now: number): "revoked" | "expired" | "active" {
  if (token.revokedAt) return "revoked";
  return new Date(token.expiresAt).getTime() <= now ? "expired" : "active";
}

function TokenItem({ source, token, onRevoked }: { source: string; token: StreamToken; onRevoked: () => void }) {
  const nameId = useId();
  const revoke = useRevokeStreamToken(source);
  const [confirming, setConfirming] = useState(false);
  const state = tokenState(token, Date.now());

  return (
    <li className="source-item" aria-labelledby={nameId}>
      <div className="source-item-head">
        <h3 id={nameId} className="source-item-name source-item-plain">
          {token.name}
        </h3>
        <span className={`status-badge ${state === "active" ? "status-completed" : "status-failed"}`}>
          {state === "active" ? "Active" : state === "revoked" ? "Revoked" : "Expired"}
        </span>
      </div>
      <dl className="source-facts">
        <div>
          <dt>Token</dt>
          <dd>
            <code>{token.prefix}…</code>
          </dd>
        </div>
        <div>
          <dt>Origins</dt>
          <dd>{token.origins.length > 0 ? token.origins.join(", ") : "None (same origin, curl and servers only)"}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>
            <time dateTime={token.createdAt}>{formatInstantPrecise(token.createdAt)}</time>
          </dd>
        </div>
        <div>
          <dt>{state === "revoked" ? "Revoked" : state === "expired" ? "Expired" : "Expires"}</dt>
          <dd>
            {state === "revoked" ? (
              <time dateTime={token.revokedAt!}>{formatInstantPrecise(token.revokedAt)}</time>
            ) : (
              <time dateTime={token.expiresAt}>{formatInstantPrecise(token.expiresAt)}</time>
            )}
          </dd>
        </div>
      </dl>
      {state === "active" && (
        <div className="row-actions">
          <Button size="sm" variant="ghost" aria-describedby={nameId} onClick={() => setConfirming(true)}>
            Revoke
          </Button>
        </div>
      )}
      <ConfirmDialog
        open={confirming}
        title="Revoke stream token?"
        description={`“${token.name}” stops working at once: its open streams end and pages using it can no longer connect.`}
        confirmLabel="Revoke token"
        busy={revoke.isPending}
        error={revoke.error}
        onConfirm={() =>
          revoke.mutate(token.id, {
            onSuccess: () => {
              setConfirming(false);
              onRevoked();
            },
          })
        }
        onCancel={() => {
          revoke.reset();
          setConfirming(false);
        }}
      />
    </li>
  );
}
