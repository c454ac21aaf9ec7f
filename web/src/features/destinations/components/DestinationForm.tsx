import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { FormProblem } from "../../../components/ui/Alert";
import { Button } from "../../../components/ui/Button";
import { TextInput } from "../../../components/ui/TextInput";
import { errorsFor, isApiError } from "../../../lib/api-client";
import type { Destination, DestinationKind } from "../../../lib/destinations";
import { useCreateDestination } from "../api/create-destination";
import type { DestinationBody } from "../api/destination";
import { useDestinationKinds } from "../api/list-kinds";
import { useTestDestination } from "../api/test-destination";
import { useUpdateDestination } from "../api/update-destination";
import { draftFromDestination, newDraft, toDestinationBody, type DestinationDraft } from "../utils/destination-draft";
import { KindChoice, firstAvailableKind } from "./KindChoice";
import { KIND_FIELDS, KindFields } from "./KindFields";
import { TestResultView } from "./TestResultView";

const RECIPIENT_FIELD = /^config\.to\[(\d+)\]$/i;

export interface DestinationFormProps {
  /** The destination to change; a new one without. */
  destination?: Destination | undefined;
  onSaved: (destination: Destination) => void;
  onCancel: () => void;
}

/** The addresses a body sent, to name the one an error "config.to[n]" is about. */
function sentRecipients(body: DestinationBody | undefined): string[] {
  return body?.kind === "email" && "to" in body.config ? body.config.to : [];
}

/**
 * A destination's name, kind and the kind's settings and secrets. Secrets are write-only: editing shows their boxes
 * empty, and an empty box keeps the stored value. Kinds this server cannot deliver to are shown disabled with the
 * reason, and a new destination starts on the first kind it can. "Send test" sends a small file to what the form
 * says (saved or not) and shows what the receiver answered. The server checks everything; its field errors show
 * beside the fields.
 */
export function DestinationForm({ destination, onSaved, onCancel }: DestinationFormProps) {
  const titleId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const kinds = useDestinationKinds();
  const [draft, setDraft] = useState<DestinationDraft>(() =>
    destination ? draftFromDestination(destination) : newDraft(firstAvailableKind(kinds.data)),
  );
  const kindTouched = useRef(false);
  const create = useCreateDestination();
  const update = useUpdateDestination();
  const test = useTestDestination();
  const saving = destination ? update : create;
  // The errors of whichever was asked last: a save, or a test of the form.
  const error = saving.error ?? test.error;
  const sent = saving.error ? (destination ? update.variables?.body : create.variables) : test.variables?.body;
  const set = <K extends keyof DestinationDraft>(key: K, value: DestinationDraft[K]) =>
    setDraft((current) => ({ ...current, [key]: value }));
  const savedKind = destination?.kind as DestinationKind | undefined;

  // A new destination waits on a kind the server can deliver to once the server has said which.
  useEffect(() => {
    if (destination || kindTouched.current || !kinds.data) return;
    const first = firstAvailableKind(kinds.data);
    setDraft((current) => (kinds.data.some((k) => k.kind === current.kind && !k.available) ? { ...current, kind: first } : current));
  }, [destination, kinds.data]);
  const fieldErrors = (...fields: string[]) => {
    const messages = fields.flatMap((field) => errorsFor(error, field) ?? []);
    return messages.length > 0 ? messages : undefined;
  };
  // Opened from a row further down (Edit): bring the form into view and announce it.
  useEffect(() => headingRef.current?.focus(), []);

  // 409: the name is taken; say so at the name.
  const taken = isApiError(error) && error.status === 409;
  const nameErrors = fieldErrors("name") ?? (taken ? [error.detail ?? error.title] : undefined);
  const fields = isApiError(error) ? Object.entries(error.errors) : [];
  const recipients = sentRecipients(sent);
  const recipientMessages = fields.flatMap(([field, messages]) => {
    if (field.toLowerCase() === "config.to") return messages;
    const match = RECIPIENT_FIELD.exec(field);
    if (!match) return [];
    const address = recipients[Number(match[1])];
    return messages.map((message) => (address ? `${address}: ${message}` : message));
  });
  const placed = new Set(["name", "kind", ...KIND_FIELDS[draft.kind]].map((field) => field.toLowerCase()));
  const shown = (field: string) => placed.has(field.toLowerCase()) || (draft.kind === "email" && RECIPIENT_FIELD.test(field));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    test.reset();
    const body = toDestinationBody(draft);
    if (destination) update.mutate({ id: destination.id, body }, { onSuccess: onSaved });
    else create.mutate(body, { onSuccess: onSaved });
  };

  return (
    <form className="stack destination-form" aria-labelledby={titleId} noValidate onSubmit={submit}>
      <div className="stack-tight">
        <h2 ref={headingRef} id={titleId} tabIndex={-1} className="section-title">
          {destination ? "Edit destination" : "New destination"}
        </h2>
        {destination && destination.secrets.length > 0 && (
          <p className="muted">Secrets are never shown again: leave their boxes empty to keep them.</p>
        )}
      </div>
      {error && !taken && (
        <FormProblem error={error} fallbackTitle="The destination could not be saved" placed={shown} />
      )}

      <div className="options-grid">
        <TextInput
          label="Name"
          value={draft.name}
          onChange={(value) => set("name", value)}
          hint="How schedules and the export dialog list it."
          errors={nameErrors}
          autoComplete="off"
          required
        />
      </div>
      <KindChoice
        name={`${titleId}-kind`}
        value={draft.kind}
        kinds={kinds.data}
        savedKind={savedKind}
        onChange={(value) => {
          kindTouched.current = true;
          test.reset();
          set("kind", value);
        }}
        errors={fieldErrors("kind")}
      />
      <KindFields
        draft={draft}
        set={set}
        fieldErrors={fieldErrors}
        recipientErrors={recipientMessages.length > 0 ? recipientMessages : undefined}
        storedSecrets={destination?.secrets ?? []}
      />

      <TestResultView result={test.data} pending={test.isPending} />
      <div className="form-actions">
        <Button
          className="form-actions-start"
          disabled={test.isPending}
          aria-busy={test.isPending}
          onClick={() => {
            saving.reset();
            test.mutate({ id: destination?.id, body: toDestinationBody(draft) });
          }}
        >
          {test.isPending ? "Sending test…" : "Send test"}
        </Button>
        <div className="form-actions-end">
          <Button variant="ghost" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" disabled={saving.isPending} aria-busy={saving.isPending}>
            {saving.isPending ? "Saving…" : destination ? "Save destination" : "Create destination"}
          </Button>
        </div>
      </div>
    </form>
  );
}
