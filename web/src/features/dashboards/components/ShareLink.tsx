import { useId, useRef, useState } from "react";
import { Alert, ProblemAlert } from "../../../components/ui/Alert";
import { Button } from "../../../components/ui/Button";
import { isApiError } from "../../../lib/api-client";
import type { Dashboard } from "../api/get-dashboard";
import { useShareDashboard, type ShareLinks } from "../api/share-dashboard";

/** "Share link": makes or revokes the dashboard's public PNG/PDF links and offers them to copy. */
export function ShareLink({ dashboard }: { dashboard: Dashboard }) {
  const headingId = useId();
  const hintId = useId();
  const { share, revoke } = useShareDashboard(dashboard.id);
  const [on, setOn] = useState(dashboard.shared);
  // The server keeps only a hash of the link: its address can be shown only right after it is made.
  const [links, setLinks] = useState<ShareLinks | null>(null);
  const pending = share.isPending || revoke.isPending;
  const error = share.error ?? revoke.error;

  const makeLink = () =>
    share.mutate(undefined, {
      onSuccess: (created) => {
        revoke.reset();
        setLinks(created);
        setOn(true);
      },
    });
  const revokeLink = () =>
    revoke.mutate(undefined, {
      onSuccess: () => {
        share.reset();
        setLinks(null);
        setOn(false);
      },
    });

  return (
    <section className="card stack-tight" aria-labelledby={headingId}>
      <h2 id={headingId} className="section-title">
        Public link
      </h2>
      <label className="switch">
        <input
          type="checkbox"
          role="switch"
          checked={on}
          disabled={pending}
          aria-describedby={hintId}
          onChange={(event) => (event.target.checked ? makeLink() : revokeLink())}
        />
        <span>Share link</span>
      </label>
      <p id={hintId} className="field-hint">
        Anyone with the link can download this dashboard as PNG or PDF over its saved time range, without signing in.
        Turning sharing off revokes the link.
      </p>
      {links && (
        <div className="stack-tight">
          <CopyField label="Public PNG link" value={links.png} />
          <CopyField label="Public PDF link" value={links.pdf} />
        </div>
      )}
      {on && !links && (
        <div className="share-hidden">
          <p className="muted">
            A public link is active. Its address is shown only when it is made; a new link replaces it and the old one
            stops working.
          </p>
          <Button size="sm" onClick={makeLink} disabled={pending}>
            Make a new link
          </Button>
        </div>
      )}
      {error &&
        (isApiError(error) ? (
          <ProblemAlert error={error} />
        ) : (
          <Alert title="The link could not be changed">
            <p className="alert-detail">{error.message}</p>
          </Alert>
        ))}
    </section>
  );
}

/** A read-only address with a Copy button (the clipboard, or a selected field to copy by hand). */
function CopyField({ label, value }: { label: string; value: string }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied("yes");
    } catch {
      input.current?.select();
      setCopied("no");
    }
  };

  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <div className="copy-field">
        <input
          ref={input}
          id={id}
          className="input"
          readOnly
          value={value}
          onFocus={(event) => event.target.select()}
        />
        <Button size="sm" aria-label={`Copy ${label.toLowerCase()}`} onClick={() => void copy()}>
          Copy
        </Button>
      </div>
      <span role="status" className="field-hint">
        {copied === "yes" ? "Copied." : copied === "no" ? "Press Ctrl+C (⌘C) to copy the selected link." : ""}
      </span>
    </div>
  );
}
