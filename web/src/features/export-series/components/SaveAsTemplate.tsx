import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { Alert, ProblemAlert } from "../../../components/ui/Alert";
import { Button } from "../../../components/ui/Button";
import { TextInput } from "../../../components/ui/TextInput";
import { ApiError, errorsFor, isApiError } from "../../../lib/api-client";
import type { ExportRequest } from "../../../lib/export-request";
import type { Template } from "../../../lib/templates";
import { describeLast } from "../../../lib/timeframe";
import { useSaveAsTemplate } from "../api/save-as-template";
import { FORMAT_INFO } from "../utils/format-defaults";

export interface SaveAsTemplateProps {
  request: ExportRequest;
  /** The Schedules page's new-schedule form for a template; no "Schedule this export…" without it. */
  scheduleHref?: ((templateId: string) => string) | undefined;
  /** The Templates page, linked once a template is saved. */
  templatesHref?: string | undefined;
  /** Called before leaving for the Schedules page (the dialog closes). */
  onLeave: () => void;
  /** Step (0-based) where a request field can be fixed. */
  stepOf: (field: string) => { index: number; name: string } | undefined;
  onGoToStep: (index: number) => void;
}

type Intent = "save" | "schedule";

/** "servers CSV, last 24 hours". */
export function suggestedTemplateName(request: ExportRequest): string {
  const range = "last" in request.timeframe ? describeLast(request.timeframe.last).toLowerCase() : "custom range";
  return `${request.source} ${FORMAT_INFO[request.format].label}, ${range}`;
}

/** The server names fields inside the template body ("request.series.timeframe"); the steps know them without. */
function requestField(field: string): string {
  return field.replace(/^request\.(series\.)?/i, "");
}

/**
 * "Save as template" and "Schedule this export…": both ask for a name and save the request as a template; the
 * second then opens the Schedules page's form with it chosen.
 */
export function SaveAsTemplate({ request, scheduleHref, templatesHref, onLeave, stepOf, onGoToStep }: SaveAsTemplateProps) {
  const titleId = useId();
  const nameRef = useRef<HTMLInputElement>(null);
  const [intent, setIntent] = useState<Intent | null>(null);
  const [name, setName] = useState(() => suggestedTemplateName(request));
  // The template saved last, and the request it was saved from: scheduling the same request does not save it again.
  const [saved, setSaved] = useState<{ template: Template; request: string } | null>(null);
  const save = useSaveAsTemplate();
  const requestJson = JSON.stringify(request);
  const current = saved?.request === requestJson ? saved.template : undefined;

  useEffect(() => {
    if (intent) nameRef.current?.focus();
  }, [intent]);

  const leaveFor = (template: Template) => {
    if (!scheduleHref) return;
    onLeave();
    window.location.hash = scheduleHref(template.id);
  };

  const choose = (next: Intent) => {
    if (next === "schedule" && current) return leaveFor(current);
    save.reset();
    setIntent(intent === next ? null : next);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const chosen = intent;
    save.mutate(
      { name: name.trim(), request },
      {
        onSuccess: (template) => {
          setSaved({ template, request: requestJson });
          setIntent(null);
          if (chosen === "schedule") leaveFor(template);
        },
      },
    );
  };

  const error = save.error;
  const taken = isApiError(error) && error.status === 409;
  const nameErrors = errorsFor(error, "name") ?? (taken ? [error.detail ?? error.title] : undefined);
  const requestErrors = isApiError(error) ? Object.keys(error.errors).filter((field) => field.toLowerCase() !== "name") : [];
  const fixSteps = new Map<number, string>();
  for (const field of requestErrors) {
    const step = stepOf(requestField(field));
    if (step) fixSteps.set(step.index, step.name);
  }

  return (
    <section className="stack-tight save-template" aria-labelledby={titleId}>
      <h4 id={titleId} className="section-label">
        Reuse this export
      </h4>
      <p className="field-hint">Save these settings as a template to run again from Templates, or on a schedule.</p>
      <div className="row-actions">
        <Button aria-expanded={intent === "save"} onClick={() => choose("save")}>
          Save as template
        </Button>
        {scheduleHref && (
          <Button aria-expanded={current ? undefined : intent === "schedule"} onClick={() => choose("schedule")}>
            Schedule this export…
          </Button>
        )}
      </div>

      {intent && (
        <form
          className="options-bar save-template-form"
          aria-label={intent === "save" ? "Save as template" : "Schedule this export"}
          noValidate
          onSubmit={submit}
        >
          <TextInput
            ref={nameRef}
            label="Template name"
            value={name}
            onChange={setName}
            errors={nameErrors}
            autoComplete="off"
            required
          />
          <Button type="submit" variant="primary" disabled={save.isPending} aria-busy={save.isPending}>
            {save.isPending ? "Saving…" : intent === "save" ? "Save template" : "Save and schedule"}
          </Button>
        </form>
      )}

      {error &&
        !taken &&
        !(nameErrors && requestErrors.length === 0) &&
        (isApiError(error) ? (
          <ProblemAlert error={withoutName(error)} fieldLabel={requestField}>
            {fixSteps.size > 0 && (
              <div className="alert-actions">
                {[...fixSteps].map(([index, stepName]) => (
                  <button key={index} type="button" className="btn btn-secondary btn-sm" onClick={() => onGoToStep(index)}>
                    Fix in {stepName}
                  </button>
                ))}
              </div>
            )}
          </ProblemAlert>
        ) : (
          <Alert title="The template could not be saved">
            <p className="alert-detail">{error.message}</p>
          </Alert>
        ))}

      <p role="status" className="field-hint">
        {saved && !intent && (
          <>
            Saved as template “{saved.template.name}”.
            {templatesHref && (
              <>
                {" "}
                <a href={templatesHref}>Open Templates</a>
              </>
            )}
          </>
        )}
      </p>
    </section>
  );
}

/** The error without its "name" field, which shows beside the name box instead. */
function withoutName(error: ApiError): ApiError {
  const errors = Object.fromEntries(Object.entries(error.errors).filter(([field]) => field.toLowerCase() !== "name"));
  return new ApiError({ status: error.status, title: error.title, detail: error.detail, type: error.type, errors });
}
