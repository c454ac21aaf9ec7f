import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { FormProblem } from "../../../components/ui/Alert";
import { Button } from "../../../components/ui/Button";
import { TextInput } from "../../../components/ui/TextInput";
import { errorsFor, isApiError } from "../../../lib/api-client";
import { useCreateStreamToken } from "../api/create-stream-token";
import type { CreatedStreamToken, StreamTokenBody } from "../api/stream-token";

const ORIGIN_FIELD = /^origins\[(\d+)\]$/i;
const PLACED = /^(name|origins(\[\d+\])?|expiresInDays)$/i;

interface OriginRow {
  id: number;
  value: string;
}

export interface StreamTokenFormProps {
  source: string;
  onCreated: (token: CreatedStreamToken) => void;
  onCancel: () => void;
}

/** A new stream token: a name, the origins whose pages may read the stream (a list to add to and remove from) and how
 * many days it lasts. Field errors show beside their boxes (an origin's beside that origin); 409 as an alert. */
export function StreamTokenForm({ source, onCreated, onCancel }: StreamTokenFormProps) {
  const titleId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const nextId = useRef(1);
  const [name, setName] = useState("");
  const [origins, setOrigins] = useState<OriginRow[]>([]);
  const [days, setDays] = useState("30");
  const [checked, setChecked] = useState(false);
  const [focusRow, setFocusRow] = useState<number | null>(null);
  const inputs = useRef(new Map<number, HTMLInputElement>());
  const create = useCreateStreamToken(source);
  const error = create.error;
  // Errors about origins[n] name the n-th origin sent: the non-empty rows, in order.
  const sentRows = origins.filter((row) => row.value.trim());
  const originErrors = (row: OriginRow) => {
    if (!isApiError(error)) return undefined;
    const index = sentRows.indexOf(row);
    const messages = Object.entries(error.errors)
      .filter(([field]) => Number(ORIGIN_FIELD.exec(field)?.[1] ?? -1) === index)
      .flatMap(([, list]) => list);
    return messages.length > 0 ? messages : undefined;
  };
  const daysError = checked ? expiryError(days) : undefined;
  const placed = (field: string) => PLACED.test(field);

  useEffect(() => headingRef.current?.focus(), []);
  // A new origin's box takes focus once it is drawn.
  useEffect(() => {
    if (focusRow !== null) inputs.current.get(focusRow)?.focus();
  }, [focusRow]);

  const addOrigin = () => {
    const id = nextId.current++;
    setOrigins((current) => [...current, { id, value: "" }]);
    setFocusRow(id);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setChecked(true);
    if (expiryError(days)) return;
    const body: StreamTokenBody = { origins: sentRows.map((row) => row.value.trim()) };
    if (name.trim()) body.name = name.trim();
    if (days.trim()) body.expiresInDays = Number(days.trim());
    create.mutate(body, { onSuccess: onCreated });
  };

  return (
    <form className="stack token-form" aria-labelledby={titleId} noValidate onSubmit={submit}>
      <h3 ref={headingRef} id={titleId} tabIndex={-1} className="section-title">
        New stream token
      </h3>
      {error && (
        <FormProblem error={error} fallbackTitle="The token could not be created" placed={placed} />
      )}
      <div className="options-grid">
        <TextInput
          label="Name"
          value={name}
          onChange={setName}
          placeholder="wallboard"
          autoComplete="off"
          hint="Optional: what the token is for."
          errors={errorsFor(error, "name")}
        />
        {/* Text, not number: a number box hands back "" for what it cannot read ("1e"), which would go as the 30-day
            default; as text the form sees what was typed and refuses it. */}
        <TextInput
          inputMode="numeric"
          label="Expires in (days)"
          value={days}
          onChange={setDays}
          hint="1 to 365; empty for 30."
          errors={fieldErrors(daysError, errorsFor(error, "expiresInDays"))}
        />
      </div>
      <fieldset className="fieldset origins-fieldset" aria-describedby={`${titleId}-origins-hint`}>
        <legend className="field-label">Origins</legend>
        <p className="field-hint" id={`${titleId}-origins-hint`}>
          The sites whose pages may open the stream, such as https://wall.example.com (no path). None: only this
          server's own pages, curl and servers.
        </p>
        {origins.length > 0 && (
          <ul className="origin-rows">
            {origins.map((row, index) => (
              <li key={row.id} className="origin-row">
                <TextInput
                  ref={(element) => {
                    if (element) inputs.current.set(row.id, element);
                    else inputs.current.delete(row.id);
                  }}
                  type="url"
                  label={`Origin ${index + 1}`}
                  value={row.value}
                  onChange={(value) => setOrigins((current) => current.map((item) => (item.id === row.id ? { ...item, value } : item)))}
                  placeholder="https://app.example.com"
                  spellCheck={false}
                  autoComplete="off"
                  errors={originErrors(row)}
                />
                <Button
                  size="sm"
                  variant="ghost"
                  aria-label={`Remove origin ${index + 1}`}
                  onClick={() => setOrigins((current) => current.filter((item) => item.id !== row.id))}
                >
                  Remove
                </Button>
              </li>
            ))}
          </ul>
        )}
        {errorsFor(error, "origins") && <p className="field-error">{errorsFor(error, "origins")!.join(" ")}</p>}
        <Button size="sm" className="origin-add" onClick={addOrigin}>
          Add origin
        </Button>
      </fieldset>
      <div className="form-actions">
        <Button variant="ghost" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" disabled={create.isPending} aria-busy={create.isPending}>
          {create.isPending ? "Creating…" : "Create stream token"}
        </Button>
      </div>
    </form>
  );
}

/** What the form can tell before asking the server: the days box holds a whole number or nothing (the server's 30). */
function expiryError(days: string): string | undefined {
  const trimmed = days.trim();
  return trimmed && !/^\d+$/.test(trimmed) ? "A whole number of days, or empty for 30." : undefined;
}

function fieldErrors(local: string | undefined, server: string[] | undefined): string[] | undefined {
  const messages = [...(local ? [local] : []), ...(server ?? [])];
  return messages.length > 0 ? messages : undefined;
}
