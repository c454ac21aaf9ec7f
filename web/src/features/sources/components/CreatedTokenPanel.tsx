import { useEffect, useId, useRef, useState } from "react";
import { Button } from "../../../components/ui/Button";
import type { CreatedStreamToken } from "../api/stream-token";
import { eventSourceSnippet } from "../utils/snippet";

/**
 * The token just created, shown this once (the server keeps only its hash), with a ready EventSource snippet that
 * uses the stream url the server returned, and Copy buttons for both. Done hides it for good.
 */
export function CreatedTokenPanel({ token, onDone }: { token: CreatedStreamToken; onDone: () => void }) {
  const titleId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const snippet = eventSourceSnippet(token.url);

  useEffect(() => headingRef.current?.focus(), []);

  return (
    <section className="created-token stack-tight" aria-labelledby={titleId}>
      <h3 ref={headingRef} id={titleId} tabIndex={-1} className="section-title">
        Token “{token.name}” created
      </h3>
      <p className="created-token-warning">
        <strong>Copy it now: it will not be shown again.</strong> Only its first characters ({token.prefix}…) are kept
        to tell it apart.
      </p>
      <CopyBlock label="Token" copyLabel="Copy token" value={token.token} />
      <CopyBlock label="EventSource snippet" copyLabel="Copy snippet" value={snippet} multiline />
      <div className="form-actions">
        <Button variant="primary" onClick={onDone}>
          Done
        </Button>
      </div>
    </section>
  );
}

/** A read-only value with a Copy button: the clipboard, or the text selected to copy by hand. */
function CopyBlock({ label, copyLabel, value, multiline }: { label: string; copyLabel: string; value: string; multiline?: boolean }) {
  const id = useId();
  const box = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied("yes");
    } catch {
      box.current?.select();
      setCopied("no");
    }
  };

  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <div className={multiline ? "copy-block" : "copy-field"}>
        {multiline ? (
          <textarea
            ref={box}
            id={id}
            className="input copy-snippet"
            readOnly
            rows={value.split("\n").length + 2}
            spellCheck={false}
            value={value}
            onFocus={(event) => event.target.select()}
          />
        ) : (
          <input ref={box} id={id} className="input" readOnly spellCheck={false} value={value} onFocus={(event) => event.target.select()} />
        )}
        <Button size="sm" aria-label={copyLabel} onClick={() => void copy()}>
          Copy
        </Button>
      </div>
      <span role="status" className="field-hint">
        {copied === "yes" ? "Copied." : copied === "no" ? "Press Ctrl+C (⌘C) to copy the selected text." : ""}
      </span>
    </div>
  );
}
