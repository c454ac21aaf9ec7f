import { useCallback, useRef, useState, type FormEvent, type ReactNode, type RefObject } from "react";
import { Alert } from "../../../components/ui/Alert";
import { Button } from "../../../components/ui/Button";
import { Dialog } from "../../../components/ui/Dialog";
import { TextArea } from "../../../components/ui/TextArea";
import { TextInput } from "../../../components/ui/TextInput";
import { errorsFor, isApiError } from "../../../lib/api-client";
import { browserTimeZone } from "../../../lib/export-request";
import type { Template, TemplateBody } from "../../../lib/templates";
import { useCreateTemplate } from "../api/create-template";
import "./template-form.css";
import { useUpdateTemplate } from "../api/update-template";
import { parseRequest, requestErrors, requestText, starterRequest } from "../utils/template-request";

const REQUEST_HINT =
  'The export envelope of POST /api/v1/exports. Its time range is relative ({"last": "24h"}); the file name may use ' +
  "{source}, {template}, {range}, {date} and {date:yyyy-MM-dd}.";

/** Edits a series envelope's request with the export dialog's steps; composed in by the page (features do not import
 * each other). Returns null for an envelope it cannot edit (a layout), which is then edited as JSON. */
export type TemplateRequestEditor = (props: {
  request: Record<string, unknown>;
  onChange: (request: Record<string, unknown>) => void;
  error: unknown;
  onValidityChange: (valid: boolean) => void;
}) => ReactNode;

/** Whether the steps can edit this envelope: a series export. */
export function editableWithSteps(request: Record<string, unknown>): boolean {
  return (request.kind ?? "series") === "series" && typeof request.series === "object" && request.series !== null;
}

export interface TemplateFormDialogProps {
  open: boolean;
  /** The export dialog's steps for a series request; without it the request is JSON only. */
  requestEditor?: TemplateRequestEditor | undefined;
  /** The template to edit (saved as its next version); a new one without. */
  template?: Template | undefined;
  onClose: () => void;
}

/** Name, description and the request as JSON, with the server's field errors beside each. */
export function TemplateFormDialog({ open, template, onClose, requestEditor }: TemplateFormDialogProps) {
  const nameRef = useRef<HTMLInputElement>(null);
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={template ? "Edit template" : "New template"}
      description={template ? `${template.name}, version ${template.version}. Saving keeps this version in its history.` : undefined}
      size="lg"
      initialFocusRef={nameRef}
    >
      <TemplateForm template={template} onClose={onClose} nameRef={nameRef} requestEditor={requestEditor} />
    </Dialog>
  );
}

interface TemplateFormProps {
  template: Template | undefined;
  onClose: () => void;
  nameRef: RefObject<HTMLInputElement | null>;
  requestEditor: TemplateRequestEditor | undefined;
}

function TemplateForm({ template, onClose, nameRef, requestEditor }: TemplateFormProps) {
  const [name, setName] = useState(template?.name ?? "");
  const [description, setDescription] = useState(template?.description ?? "");
  const [envelope, setEnvelope] = useState<Record<string, unknown>>(() => template?.request ?? starterRequest(browserTimeZone()));
  const [request, setRequest] = useState(() => requestText(envelope));
  // Steps for a series request when the page offers them; JSON for the rest, and as an expert view.
  const [mode, setMode] = useState<"steps" | "json">(() => (requestEditor && editableWithSteps(envelope) ? "steps" : "json"));
  const [stepsValid, setStepsValid] = useState(true);
  const onValidityChange = useCallback((valid: boolean) => setStepsValid(valid), []);
  const [jsonError, setJsonError] = useState<string>();
  const create = useCreateTemplate();
  const update = useUpdateTemplate();
  const saving = template ? update : create;
  const error = saving.error;

  const switchMode = () => {
    if (mode === "steps") {
      setRequest(requestText(envelope));
      setJsonError(undefined);
      setMode("json");
      return;
    }
    const parsed = parseRequest(request);
    if ("error" in parsed) return setJsonError(parsed.error);
    if (!editableWithSteps(parsed.request)) return setJsonError("Only a series export (kind: series) can be edited with the steps.");
    setJsonError(undefined);
    setEnvelope(parsed.request);
    setMode("steps");
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = mode === "steps" ? { request: envelope } : parseRequest(request);
    if ("error" in parsed) {
      saving.reset();
      setJsonError(parsed.error);
      return;
    }
    setJsonError(undefined);
    const body: TemplateBody = { name: name.trim(), description: description.trim(), request: parsed.request };
    if (template) update.mutate({ id: template.id, body }, { onSuccess: onClose });
    else create.mutate(body, { onSuccess: onClose });
  };

  // 409: the name is taken; say so at the name.
  const taken = isApiError(error) && error.status === 409;
  const nameErrors = errorsFor(error, "name") ?? (taken ? [error.detail ?? error.title] : undefined);
  const requestMessages = [...(jsonError ? [jsonError] : []), ...(requestErrors(error) ?? [])];

  return (
    <form className="dialog-form" noValidate onSubmit={submit}>
      <div className="dialog-body">
        {error && !taken && (
          <Alert title={isApiError(error) ? error.title : "The template could not be saved"}>
            {(isApiError(error) ? error.detail : error.message) && (
              <p className="alert-detail">{isApiError(error) ? error.detail : error.message}</p>
            )}
          </Alert>
        )}
        <TextInput ref={nameRef} label="Name" value={name} onChange={setName} errors={nameErrors} autoComplete="off" required />
        <TextArea
          label="Description"
          value={description}
          onChange={setDescription}
          rows={2}
          errors={errorsFor(error, "description")}
        />
        <fieldset className="fieldset template-request">
          <legend className="field-label">Request</legend>
          {requestEditor && (
            <button type="button" className="btn btn-ghost btn-sm template-request-mode" onClick={switchMode}>
              {mode === "steps" ? "Edit as JSON" : "Edit with the export steps"}
            </button>
          )}
          {mode === "steps" && requestEditor ? (
            <>
              {requestEditor({ request: envelope, onChange: setEnvelope, error, onValidityChange })}
              {requestMessages.length > 0 && (
                <ul className="field-error" aria-label="Problems with the request">
                  {requestMessages.map((message) => (
                    <li key={message}>{message}</li>
                  ))}
                </ul>
              )}
            </>
          ) : (
            <TextArea
              label="Request (JSON)"
              value={request}
              onChange={setRequest}
              rows={16}
              spellCheck={false}
              hint={REQUEST_HINT}
              errors={requestMessages.length > 0 ? requestMessages : undefined}
            />
          )}
        </fieldset>
      </div>
      <footer className="dialog-footer">
        <Button variant="ghost" onClick={onClose}>
          Cancel
        </Button>
        <span className="spacer" />
        {mode === "steps" && !stepsValid && (
          <p className="muted" role="status">
            Fix the steps marked ! first.
          </p>
        )}
        <Button
          type="submit"
          variant="primary"
          disabled={saving.isPending || (mode === "steps" && !stepsValid)}
          aria-busy={saving.isPending}
        >
          {saving.isPending ? "Saving…" : template ? "Save new version" : "Create template"}
        </Button>
      </footer>
    </form>
  );
}
