import { useRef, useState, type FormEvent, type RefObject } from "react";
import { Alert } from "../../../components/ui/Alert";
import { Button } from "../../../components/ui/Button";
import { Dialog } from "../../../components/ui/Dialog";
import { TextArea } from "../../../components/ui/TextArea";
import { TextInput } from "../../../components/ui/TextInput";
import { errorsFor, isApiError } from "../../../lib/api-client";
import { browserTimeZone } from "../../../lib/export-request";
import type { Template, TemplateBody } from "../../../lib/templates";
import { useCreateTemplate } from "../api/create-template";
import { useUpdateTemplate } from "../api/update-template";
import { parseRequest, requestErrors, requestText, starterRequest } from "../utils/template-request";

const REQUEST_HINT =
  'The export envelope of POST /api/v1/exports. Its time range is relative ({"last": "24h"}); the file name may use ' +
  "{source}, {template}, {range}, {date} and {date:yyyy-MM-dd}.";

export interface TemplateFormDialogProps {
  open: boolean;
  /** The template to edit (saved as its next version); a new one without. */
  template?: Template | undefined;
  onClose: () => void;
}

/** Name, description and the request as JSON, with the server's field errors beside each. */
export function TemplateFormDialog({ open, template, onClose }: TemplateFormDialogProps) {
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
      <TemplateForm template={template} onClose={onClose} nameRef={nameRef} />
    </Dialog>
  );
}

interface TemplateFormProps {
  template: Template | undefined;
  onClose: () => void;
  nameRef: RefObject<HTMLInputElement | null>;
}

function TemplateForm({ template, onClose, nameRef }: TemplateFormProps) {
  const [name, setName] = useState(template?.name ?? "");
  const [description, setDescription] = useState(template?.description ?? "");
  const [request, setRequest] = useState(() => requestText(template?.request ?? starterRequest(browserTimeZone())));
  const [jsonError, setJsonError] = useState<string>();
  const create = useCreateTemplate();
  const update = useUpdateTemplate();
  const saving = template ? update : create;
  const error = saving.error;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseRequest(request);
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
        <TextArea
          label="Request (JSON)"
          value={request}
          onChange={setRequest}
          rows={16}
          spellCheck={false}
          hint={REQUEST_HINT}
          errors={requestMessages.length > 0 ? requestMessages : undefined}
        />
      </div>
      <footer className="dialog-footer">
        <Button variant="ghost" onClick={onClose}>
          Cancel
        </Button>
        <span className="spacer" />
        <Button type="submit" variant="primary" disabled={saving.isPending} aria-busy={saving.isPending}>
          {saving.isPending ? "Saving…" : template ? "Save new version" : "Create template"}
        </Button>
      </footer>
    </form>
  );
}
