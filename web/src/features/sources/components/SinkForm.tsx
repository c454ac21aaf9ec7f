import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { FormProblem } from "../../../components/ui/Alert";
import { Button } from "../../../components/ui/Button";
import { CheckboxGroup } from "../../../components/ui/CheckboxGroup";
import { TextInput } from "../../../components/ui/TextInput";
import { errorsFor, isApiError } from "../../../lib/api-client";
import { useCreateSink } from "../api/create-sink";
import type { Source } from "../api/list-sources";
import type { Sink } from "../api/sink";
import { useUpdateSink } from "../api/update-sink";
import { draftErrors, draftFromSink, newSinkDraft, toSinkBody, type SinkDraft } from "../utils/sink-draft";

/** The fields the form shows errors beside; any other field's errors go in the alert. */
const PLACED = /^(url|secret|metrics(\[\d+\])?|batchMs|maxBatch)$/i;

export interface SinkFormProps {
  source: Source;
  /** The sink to change; a new one without. */
  sink?: Sink | undefined;
  onSaved: (sink: Sink) => void;
  onCancel: () => void;
}

/**
 * A sink's URL, secret, metrics and batching. The secret is write-only: editing shows its box empty, and an empty box
 * keeps the stored one. A stored filter is shown read-only and sent back unchanged. The server checks everything; its
 * field errors show beside the fields, and a 409 (too many sinks) as an alert.
 */
export function SinkForm({ source, sink, onSaved, onCancel }: SinkFormProps) {
  const titleId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const [draft, setDraft] = useState<SinkDraft>(() => (sink ? draftFromSink(sink) : newSinkDraft()));
  const [checked, setChecked] = useState(false);
  const create = useCreateSink(source.name);
  const update = useUpdateSink(source.name);
  const saving = sink ? update : create;
  const error = saving.error;
  const timeseries = source.kind === "timeseries";
  // The source's metrics, then any the sink has stored that the source no longer lists, so they can be seen and unchecked.
  const known = new Set(source.metrics.map((metric) => metric.name));
  const metricOptions = [
    ...source.metrics.map((metric) => ({ value: metric.name, label: metric.name })),
    ...(sink?.metrics ?? []).filter((name) => !known.has(name)).map((name) => ({ value: name, label: `${name} (not in the source now)` })),
  ];
  const local = checked ? draftErrors(draft) : {};
  const set = <K extends keyof SinkDraft>(key: K, value: SinkDraft[K]) => setDraft((current) => ({ ...current, [key]: value }));
  const fieldErrors = (field: string, localMessage?: string) => {
    const messages = [...(localMessage ? [localMessage] : []), ...(errorsFor(error, field) ?? [])];
    return messages.length > 0 ? messages : undefined;
  };
  const metricErrors = isApiError(error)
    ? Object.entries(error.errors).filter(([field]) => /^metrics(\[\d+\])?$/i.test(field)).flatMap(([, messages]) => messages)
    : [];
  const placed = (field: string) => PLACED.test(field);

  useEffect(() => headingRef.current?.focus(), []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setChecked(true);
    if (Object.keys(draftErrors(draft)).length > 0) return;
    const body = toSinkBody(draft, timeseries);
    if (sink) update.mutate({ id: sink.id, body }, { onSuccess: onSaved });
    else create.mutate(body, { onSuccess: onSaved });
  };

  return (
    <form className="stack sink-form" aria-labelledby={titleId} noValidate onSubmit={submit}>
      <h3 ref={headingRef} id={titleId} tabIndex={-1} className="section-title">
        {sink ? "Edit sink" : "New sink"}
      </h3>
      {error && (
        <FormProblem error={error} fallbackTitle="The sink could not be saved" placed={placed} />
      )}
      <div className="options-grid">
        <TextInput
          className="span-2"
          type="url"
          label="URL"
          value={draft.url}
          onChange={(value) => set("url", value)}
          placeholder="https://hooks.example.com/exports"
          spellCheck={false}
          autoComplete="off"
          hint="Receives a POST per batch of new rows: https, or http to this machine for testing."
          errors={fieldErrors("url")}
          required
        />
        <TextInput
          type="password"
          label="Secret"
          value={draft.secret}
          onChange={(value) => set("secret", value)}
          placeholder={sink ? "unchanged" : undefined}
          autoComplete="new-password"
          spellCheck={false}
          hint={
            sink
              ? "Stored: leave empty to keep it."
              : "16 to 256 characters. Each batch is signed with it: Exports-Signature: t=…,v1=HMAC-SHA256(secret, “t.body”)."
          }
          errors={fieldErrors("secret")}
          required={!sink}
        />
        {/* Text boxes, not number ones: a number box hands back "" for what it cannot read ("1e"), which would go as
            the server's default; as text the form sees what was typed and refuses it (draftErrors). */}
        <div className="sink-batching">
          <TextInput
            inputMode="numeric"
            label="Wait (ms)"
            value={draft.batchMs}
            onChange={(value) => set("batchMs", value)}
            placeholder="1000"
            hint="How long a batch waits for more rows after its first: 0 to 60000."
            errors={fieldErrors("batchMs", local.batchMs)}
          />
          <TextInput
            inputMode="numeric"
            label="Rows per batch"
            value={draft.maxBatch}
            onChange={(value) => set("maxBatch", value)}
            placeholder="500"
            hint="At most: 1 to 10000."
            errors={fieldErrors("maxBatch", local.maxBatch)}
          />
        </div>
      </div>
      {timeseries && metricOptions.length > 0 && (
        <CheckboxGroup
          legend="Metrics"
          hint="None chosen: every metric, including ones added later."
          columns={metricOptions.length > 4 ? 3 : 2}
          options={metricOptions}
          value={draft.metrics}
          onChange={(value) => set("metrics", value)}
          errors={metricErrors.length > 0 ? metricErrors : undefined}
        />
      )}
      {draft.filter !== null && draft.filter !== undefined && (
        <div className="field">
          <p className="field-label">Filter</p>
          <pre className="sink-filter">{JSON.stringify(draft.filter, null, 2)}</pre>
          <p className="field-hint">Set through the API; kept as it is when you save.</p>
        </div>
      )}
      <div className="form-actions">
        <Button variant="ghost" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" disabled={saving.isPending} aria-busy={saving.isPending}>
          {saving.isPending ? "Saving…" : sink ? "Save sink" : "Create sink"}
        </Button>
      </div>
    </form>
  );
}
