import { useId, useRef, useState } from "react";
import { QueryState } from "../../../components/QueryState";
import { Button } from "../../../components/ui/Button";
import type { Source } from "../api/list-sources";
import type { Sink } from "../api/sink";
import { useSinks } from "../api/list-sinks";
import { SinkCard } from "./SinkCard";
import { SinkForm } from "./SinkForm";

type Editor = { mode: "new" } | { mode: "edit"; sink: Sink };

/** The source's webhook sinks: the list, and the add/edit form. */
export function SinksSection({ source }: { source: Source }) {
  const titleId = useId();
  const sinks = useSinks(source.name);
  const [editor, setEditor] = useState<Editor | null>(null);
  const [notice, setNotice] = useState("");
  // Closing the form puts focus back where it was opened from: "Add sink" (enabled again once the form is gone), or the
  // edited sink's Edit button. A deleted sink's buttons are gone: focus goes to the section's heading.
  const addRef = useRef<HTMLButtonElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const editButtons = useRef(new Map<string, HTMLButtonElement>());
  const close = () => {
    const from = editor?.mode === "edit" ? editor.sink.id : undefined;
    setEditor(null);
    requestAnimationFrame(() => ((from && editButtons.current.get(from)) || addRef.current)?.focus());
  };

  return (
    <section className="card stack" aria-labelledby={titleId}>
      <div className="toolbar">
        <div className="stack-tight">
          <h2 ref={headingRef} id={titleId} className="section-title" tabIndex={-1}>
            Webhook sinks
          </h2>
          <p className="muted">
            Each new row of {source.name} is POSTed to the sink's URL as it is ingested, in JSON batches signed with
            its secret (header Exports-Signature).
          </p>
        </div>
        <div className="toolbar-actions">
          <Button
            ref={addRef}
            variant="primary"
            // Off while the form is open, new or edit: finish or cancel that first, so no edit is lost.
            disabled={editor !== null}
            onClick={() => {
              setNotice("");
              setEditor({ mode: "new" });
            }}
          >
            Add sink
          </Button>
        </div>
      </div>
      <p role="status" className="field-hint page-notice">
        {notice}
      </p>
      {editor && (
        <div className="source-editor">
          <SinkForm
            key={editor.mode === "edit" ? editor.sink.id : "new"}
            source={source}
            sink={editor.mode === "edit" ? editor.sink : undefined}
            onSaved={(sink) => {
              setNotice(editor.mode === "edit" ? `Saved the sink to ${sink.url}.` : `Added a sink to ${sink.url}.`);
              close();
            }}
            onCancel={close}
          />
        </div>
      )}
      {sinks.data === undefined ? (
        <QueryState query={sinks} loading="Loading sinks…" failed="The sinks could not be loaded." />
      ) : sinks.data.length === 0 ? (
        <p className="empty">No sinks yet. Choose “Add sink” to receive this source's new rows at a URL of yours.</p>
      ) : (
        <ul className="source-items" aria-label="Sinks">
          {sinks.data.map((sink) => (
            <SinkCard
              key={sink.id}
              source={source}
              sink={sink}
              editRef={(element) => {
                if (element) editButtons.current.set(sink.id, element);
                else editButtons.current.delete(sink.id);
              }}
              onEdit={() => {
                setNotice("");
                setEditor({ mode: "edit", sink });
              }}
              onDeleted={() => {
                setNotice(`Deleted the sink to ${sink.url}.`);
                setEditor((current) => (current?.mode === "edit" && current.sink.id === sink.id ? null : current));
                requestAnimationFrame(() => headingRef.current?.focus());
              }}
            />
          ))}
        </ul>
      )}
    </section>
  );
}
