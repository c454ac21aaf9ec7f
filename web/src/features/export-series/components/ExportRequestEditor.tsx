import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import { errorsFor } from "../../../lib/api-client";
import type { ExportRequest } from "../../../lib/export-request";
import { useDebouncedValue } from "../../../lib/use-debounced-value";
import { usePreviewSeries } from "../api/preview-series";
import { buildExportRequest, previewRequest, queryOf, settingsFromRequest, type SourceKind } from "../utils/export-settings";
import { STEPS, stepOfField } from "../utils/steps";
import { validateOptions } from "../utils/validate-settings";
import { DataStep } from "./steps/DataStep";
import { FormatStep } from "./steps/FormatStep";
import { OptionsStep } from "./steps/OptionsStep";
import "./export-dialog.css";

/** The export dialog's steps that shape a request (Delivery is the caller's: a template is saved, not run). */
const EDIT_STEPS = STEPS.slice(0, 3);

export interface ExportRequestEditorProps {
  /** The request as saved; its query part (source, metrics, range, …) is the caller's to change. */
  value: ExportRequest;
  onChange: (request: ExportRequest) => void;
  kind: SourceKind;
  /** What to read (source, metrics, filters…), shown at the top of the Data step. */
  queryEditor?: ReactNode;
  /** The server's refusal of the last save, shown at the fields it names. */
  error?: unknown;
  /** Told whether the form options are consistent, so the caller can refuse to save meanwhile. */
  onValidityChange?: (valid: boolean) => void;
  /** Below the file name, instead of the name a download would get (a template's name uses placeholders). */
  fileNameHint?: string;
  previewDelayMs?: number;
}

/**
 * The export dialog's Format, Data and Format options steps as an editor of a saved request (a template's): the
 * same forms, the same client checks, the same previews, with a clickable stepper.
 */
export function ExportRequestEditor({
  value,
  onChange,
  kind,
  queryEditor,
  error,
  onValidityChange,
  fileNameHint,
  previewDelayMs = 300,
}: ExportRequestEditorProps) {
  const id = useId();
  const [step, setStep] = useState(0);
  const [settings, setSettings] = useState(() => settingsFromRequest(value));
  const [rangeProblem, setRangeProblem] = useState<string | undefined>();
  const query = queryOf(value);
  const basePreview = usePreviewSeries(previewRequest(query, settings, kind, false));
  const preview = usePreviewSeries(useDebouncedValue(previewRequest(query, settings, kind, true), previewDelayMs));
  const clientErrors = validateOptions(settings, preview.data?.columns);
  const invalid = Object.keys(clientErrors).length > 0 || rangeProblem !== undefined;

  // The settings (and the caller's query) make the request; tell the caller when it changes.
  const built = buildExportRequest(query, settings, kind);
  const builtText = JSON.stringify(built);
  const sent = useRef(JSON.stringify(value));
  useEffect(() => {
    if (builtText === sent.current) return;
    sent.current = builtText;
    onChange(JSON.parse(builtText) as ExportRequest);
  }, [builtText, onChange]);
  useEffect(() => onValidityChange?.(!invalid), [invalid, onValidityChange]);

  const optionErrors = (name: string) => {
    const messages = [...(clientErrors[name] ?? []), ...(errorsFor(error, `formatOptions.${name}`) ?? [])];
    return messages.length > 0 ? messages : undefined;
  };
  const requestErrors = (name: string) => {
    const messages = [...(clientErrors[name] ?? []), ...(errorsFor(error, name) ?? [])];
    return messages.length > 0 ? messages : undefined;
  };
  // Steps with a server complaint are marked, so the user knows where to look.
  const flagged = new Set(
    Object.keys((error as { errors?: Record<string, string[]> } | undefined)?.errors ?? {})
      .map((field) => stepOfField(field.replace(/^request\.(series\.)?/i, ""))?.index)
      .filter((index): index is number => index !== undefined),
  );
  if (Object.keys(clientErrors).length > 0) flagged.add(2);
  if (rangeProblem) flagged.add(1);

  return (
    <div className="stack">
      <ol className="stepper" aria-label="Request steps">
        {EDIT_STEPS.map((name, index) => (
          <li key={name} className={index === step ? "current" : undefined} aria-current={index === step ? "step" : undefined}>
            {index === step ? (
              <>
                <span className="stepper-number" aria-hidden="true">
                  {index + 1}
                </span>
                {name}
              </>
            ) : (
              <button type="button" className="stepper-link" onClick={() => setStep(index)}>
                <span className="stepper-number" aria-hidden="true">
                  {flagged.has(index) ? "!" : index + 1}
                </span>
                {name}
                {flagged.has(index) && <span className="sr-only"> (has a problem)</span>}
              </button>
            )}
          </li>
        ))}
      </ol>
      <h3 className="step-heading" id={`${id}-step`}>
        {EDIT_STEPS[step]}
      </h3>
      {step === 0 && <FormatStep format={settings.format} onChange={(format) => setSettings({ ...settings, format })} preview={basePreview.data} />}
      {step === 1 && (
        <>
          {queryEditor}
          <DataStep
            query={query}
            kind={kind}
            settings={settings}
            onChange={setSettings}
            basePreview={basePreview.data}
            preview={preview.data}
            previewError={preview.error ?? basePreview.error}
            onRangeProblemChange={setRangeProblem}
            queryHome="above"
          />
        </>
      )}
      {step === 2 && (
        <OptionsStep
          source={query.source}
          settings={settings}
          onChange={setSettings}
          optionErrors={optionErrors}
          requestErrors={requestErrors}
          columns={preview.data?.columns}
          fileNameHint={fileNameHint}
        />
      )}
    </div>
  );
}
