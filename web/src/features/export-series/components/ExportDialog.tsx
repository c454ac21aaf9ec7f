import { useEffect, useRef, useState, type RefObject } from "react";
import { Button } from "../../../components/ui/Button";
import { Dialog } from "../../../components/ui/Dialog";
import { errorsFor, isApiError } from "../../../lib/api-client";
import type { ExportFormat, ExportQuery } from "../../../lib/export-request";
import { useDebouncedValue } from "../../../lib/use-debounced-value";
import { useExportSeries } from "../api/export-series";
import { useDestinationChoices } from "../api/list-destinations";
import { usePreviewSeries } from "../api/preview-series";
import { useRunInBackground } from "../api/run-in-background";
import { buildExportRequest, initialSettings, previewRequest, type SourceKind } from "../utils/export-settings";
import { STEPS, stepOfField } from "../utils/steps";
import { validateOptions } from "../utils/validate-settings";
import { withoutApiPath } from "./QuickExportMenu";
import { SaveAsTemplate } from "./SaveAsTemplate";
import { DataStep } from "./steps/DataStep";
import { DeliveryStep } from "./steps/DeliveryStep";
import { FormatStep } from "./steps/FormatStep";
import { OptionsStep } from "./steps/OptionsStep";
import "./export-dialog.css";

export interface ExportDialogProps {
  open: boolean;
  onClose: () => void;
  query: ExportQuery;
  kind: SourceKind;
  initialFormat?: ExportFormat;
  /** Delay before a changed request is previewed; tests pass 0. */
  previewDelayMs?: number;
  /** The History page, linked from a background export's progress and notice. */
  historyHref?: string;
  /** The Templates page, linked once the export is saved as a template. */
  templatesHref?: string;
  /** The Destinations page, offered when a background export has nowhere to be delivered yet. */
  destinationsHref?: string;
  /** The Schedules page's new-schedule form for a template: "Schedule this export…" saves one and goes there. */
  scheduleHref?: (templateId: string) => string;
}

/** The four-step export: Format, Data, Format options, Delivery. State resets each time it opens. */
export function ExportDialog({ open, onClose, ...wizard }: ExportDialogProps) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  return (
    <Dialog open={open} onClose={onClose} title="Export data" size="lg" initialFocusRef={headingRef}>
      <ExportWizard {...wizard} onClose={onClose} headingRef={headingRef} />
    </Dialog>
  );
}

interface ExportWizardProps extends Omit<ExportDialogProps, "open"> {
  headingRef: RefObject<HTMLHeadingElement | null>;
}

function ExportWizard({
  query,
  kind,
  initialFormat,
  previewDelayMs = 300,
  historyHref,
  templatesHref,
  destinationsHref,
  scheduleHref,
  onClose,
  headingRef,
}: ExportWizardProps) {
  const [step, setStepState] = useState(0);
  // What is wrong with the range typed on the Data step (it keeps the last valid range meanwhile).
  const [rangeProblem, setRangeProblem] = useState<string | undefined>();
  const [settings, setSettings] = useState(() => initialSettings(query, initialFormat));
  const [background, setBackground] = useState(false);
  const [destinations, setDestinations] = useState<string[]>([]);
  const exporter = useExportSeries();
  const runner = useRunInBackground();
  const destinationChoices = useDestinationChoices(step === STEPS.length - 1 && background);
  const exportError = exporter.error ?? runner.error;

  const basePreview = usePreviewSeries(previewRequest(query, settings, kind, false));
  const preview = usePreviewSeries(useDebouncedValue(previewRequest(query, settings, kind, true), previewDelayMs));
  const request = buildExportRequest(query, settings, kind);
  // The whole request previewed from the options step on: the server names the file it will save, so the name shown
  // is the name received.
  const named = usePreviewSeries(useDebouncedValue(step >= 2 ? request : undefined, previewDelayMs));
  const fileName = named.isPlaceholderData ? undefined : named.data?.fileName;
  // The export's columns after renames and exclusions: what Parquet can be partitioned by.
  const columns = preview.data?.columns;
  const clientErrors = validateOptions(settings, columns);
  const optionErrors = (name: string) => {
    const messages = [...(clientErrors[name] ?? []), ...(errorsFor(exportError, `formatOptions.${name}`) ?? [])];
    return messages.length > 0 ? messages : undefined;
  };
  const requestErrors = (name: string) => {
    const messages = [...(clientErrors[name] ?? []), ...(errorsFor(exportError, name) ?? [])];
    return messages.length > 0 ? messages : undefined;
  };
  const optionsInvalid = Object.keys(clientErrors).length > 0;
  // A step is valid when nothing on it is known to be wrong; Next, Start and the stepper only go past valid steps.
  const dataProblem =
    rangeProblem ?? (isApiError(preview.error) && preview.error.status === 400 ? "The server cannot export this data: see the problem on the Data step." : undefined);
  const stepInvalid = [false, dataProblem !== undefined, optionsInvalid, false];
  const reachable = (index: number) => stepInvalid.slice(0, index).every((invalid) => !invalid);
  const setStep = (index: number) => {
    // Leaving the Data step drops what was typed there; the last valid range stays.
    if (index !== 1) setRangeProblem(undefined);
    setStepState(index);
  };

  const mounted = useRef(false);
  useEffect(() => {
    // Move focus to the new step's heading so screen readers announce "Step n of 4: …".
    if (mounted.current) headingRef.current?.focus();
    mounted.current = true;
  }, [step, headingRef]);

  const last = step === STEPS.length - 1;
  const pending = exporter.isPending || runner.isPending;
  const done = exporter.isSuccess || runner.isSuccess;
  // A job: the one the user asked for, or the one the server made of a download too large to stream.
  const sync = exporter.data;
  const job = runner.data ?? (sync?.background ? sync.job : undefined);
  const chooseBackground = (next: boolean) => {
    // An error of the other way of running no longer applies.
    exporter.cancel();
    runner.reset();
    setBackground(next);
  };
  const start = () => {
    // Only the latest attempt's outcome is shown, whichever way it ran.
    exporter.cancel();
    runner.reset();
    if (background) runner.mutate({ request, destinations });
    else exporter.mutate(request);
  };

  return (
    <>
      <div className="dialog-body">
        <ol className="stepper" aria-label="Export steps">
          {STEPS.map((name, index) => {
            const state = index === step ? "current" : index < step ? "complete" : undefined;
            const canGo = index !== step && reachable(index) && !pending && !done;
            const content = (
              <>
                <span className="stepper-number" aria-hidden="true">
                  {index < step ? "✓" : index + 1}
                </span>
                {name}
              </>
            );
            return (
              <li key={name} className={state} aria-current={index === step ? "step" : undefined}>
                {canGo ? (
                  <button type="button" className="stepper-link" onClick={() => setStep(index)}>
                    {content}
                  </button>
                ) : (
                  content
                )}
              </li>
            );
          })}
        </ol>
        <h3 ref={headingRef} tabIndex={-1} className="step-heading">
          <span className="sr-only">
            Step {step + 1} of {STEPS.length}:
          </span>{" "}
          {STEPS[step]}
        </h3>

        {step === 0 && (
          <FormatStep
            format={settings.format}
            onChange={(format) => setSettings({ ...settings, format })}
            preview={basePreview.data}
          />
        )}
        {step === 1 && (
          <DataStep
            query={query}
            kind={kind}
            settings={settings}
            onChange={setSettings}
            basePreview={basePreview.data}
            preview={preview.data}
            previewError={preview.error ?? basePreview.error}
            onRangeProblemChange={setRangeProblem}
          />
        )}
        {step === 2 && (
          <OptionsStep
            source={query.source}
            settings={settings}
            onChange={setSettings}
            optionErrors={optionErrors}
            requestErrors={requestErrors}
            columns={columns}
            fileName={fileName}
          />
        )}
        {step === 3 && (
          <>
            <DeliveryStep
              request={request}
              preview={preview.data}
              fileName={fileName}
              fileNameError={named.error}
              progress={exporter.progress}
              result={sync && !sync.background ? sync : undefined}
              error={exportError}
              background={background}
              onBackgroundChange={chooseBackground}
              destinations={destinations}
              onDestinationsChange={setDestinations}
              destinationChoices={destinationChoices.data}
              destinationsError={destinationChoices.error}
              destinationsHref={destinationsHref}
              started={pending || done}
              job={job}
              jobReason={sync?.background ? withoutApiPath(sync.reason) : undefined}
              historyHref={historyHref}
              stepOf={stepOfField}
              onGoToStep={setStep}
            />
            <SaveAsTemplate
              request={request}
              scheduleHref={scheduleHref}
              templatesHref={templatesHref}
              onLeave={onClose}
              stepOf={stepOfField}
              onGoToStep={setStep}
            />
          </>
        )}
      </div>

      <footer className="dialog-footer">
        {!done && (
          <Button variant="ghost" onClick={exporter.isPending ? exporter.cancel : onClose}>
            {exporter.isPending ? "Cancel download" : "Cancel"}
          </Button>
        )}
        <span className="spacer" />
        {stepInvalid[step] && step === 1 && (
          <p className="step-blocked" role="status">
            {dataProblem}
          </p>
        )}
        {step > 0 && !done && (
          <Button onClick={() => setStep(step - 1)} disabled={pending}>
            Back
          </Button>
        )}
        {!last && (
          <Button variant="primary" onClick={() => setStep(step + 1)} disabled={stepInvalid[step]}>
            Next
          </Button>
        )}
        {last &&
          (done ? (
            <Button variant="primary" onClick={onClose}>
              Done
            </Button>
          ) : (
            <Button variant="primary" onClick={start} disabled={pending || stepInvalid.some(Boolean)}>
              {pending
                ? background
                  ? "Starting…"
                  : "Downloading…"
                : exportError
                  ? "Try again"
                  : background
                    ? "Start export"
                    : "Start download"}
            </Button>
          ))}
      </footer>
    </>
  );
}
