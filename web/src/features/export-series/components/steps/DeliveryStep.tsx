import { DestinationPicker } from "../../../../components/DestinationPicker";
import { Alert, ProblemAlert } from "../../../../components/ui/Alert";
import { Checkbox } from "../../../../components/ui/Checkbox";
import { isApiError } from "../../../../lib/api-client";
import type { Destination } from "../../../../lib/destinations";
import type { DownloadProgress, DownloadResult } from "../../../../lib/download";
import type { JobRecord } from "../../../../lib/export-jobs";
import { describeFilter, type ExportRequest } from "../../../../lib/export-request";
import { formatBytes, formatCount } from "../../../../lib/format";
import { describeTimeframe } from "../../../../lib/timeframe";
import type { SeriesPreview } from "../../api/preview-series";
import { granularityLabel } from "../PreviewSummary";
import { FORMAT_INFO } from "../../utils/format-defaults";
import { BackgroundJobStatus } from "../BackgroundJobStatus";
import { ExportProgress } from "../ExportProgress";

export interface DeliveryStepProps {
  request: ExportRequest;
  preview: SeriesPreview | undefined;
  /** The name the server saves the file under, from a preview of this very request; undefined while asked. */
  fileName: string | undefined;
  fileNameError?: Error | null;
  progress: DownloadProgress | null;
  result: DownloadResult | undefined;
  error: Error | null;
  /** Run on the server as a job instead of downloading now. */
  background: boolean;
  onBackgroundChange: (background: boolean) => void;
  /** Where a background export's file is delivered once written. */
  destinations: readonly string[];
  onDestinationsChange: (destinations: string[]) => void;
  /** The destinations to choose from; undefined while loading. */
  destinationChoices: readonly Destination[] | undefined;
  destinationsError: unknown;
  /** The Destinations page, offered when there are none yet. */
  destinationsHref: string | undefined;
  /** Set once the export has started: the choice can no longer change. */
  started: boolean;
  /** The background job, once started (chosen, or the server's choice for a large export). */
  job: JobRecord | undefined;
  /** Why the server ran a download in the background instead. */
  jobReason: string | undefined;
  historyHref: string | undefined;
  /** Step (0-based) where a request field can be fixed; undefined when no step owns it. */
  stepOf: (field: string) => { index: number; name: string } | undefined;
  onGoToStep: (index: number) => void;
}

export function DeliveryStep({
  request,
  preview,
  fileName,
  fileNameError,
  progress,
  result,
  error,
  background,
  onBackgroundChange,
  destinations,
  onDestinationsChange,
  destinationChoices,
  destinationsError,
  destinationsHref,
  started,
  job,
  jobReason,
  historyHref,
  stepOf,
  onGoToStep,
}: DeliveryStepProps) {
  const bytes = preview?.estimatedBytes[request.format];
  // One "Fix in …" button per step that owns a field the server complained about.
  const fixSteps = new Map<number, string>();
  const deliveryErrors = isApiError(error)
    ? Object.entries(error.errors).flatMap(([field, messages]) => (/^delivery(\.|$)/i.test(field) ? messages : []))
    : [];
  if (isApiError(error)) {
    for (const field of Object.keys(error.errors)) {
      const step = stepOf(field);
      if (step) fixSteps.set(step.index, step.name);
    }
  }

  return (
    <div className="stack">
      <dl className="summary">
        <div>
          <dt>Source</dt>
          <dd>{request.source}</dd>
        </div>
        <div>
          <dt>{request.metrics ? "Metrics" : "Fields"}</dt>
          <dd>{(request.metrics ?? request.fields)?.join(", ") ?? "All fields"}</dd>
        </div>
        <div>
          <dt>Time range</dt>
          <dd>
            {describeTimeframe(request.timeframe)} <span className="muted">({request.timezone})</span>
          </dd>
        </div>
        <div>
          <dt>Granularity</dt>
          <dd>{preview ? granularityLabel(request.granularity, preview.granularity) : request.granularity}</dd>
        </div>
        <div>
          <dt>Filters</dt>
          <dd>{describeFilter(request.filter)}</dd>
        </div>
        {(request.groupBy?.length ?? 0) > 0 && (
          <div>
            <dt>Grouped by</dt>
            <dd>{request.groupBy!.join(", ")}</dd>
          </div>
        )}
        {(request.aggregations?.length ?? 0) > 0 && (
          <div>
            <dt>Aggregations</dt>
            <dd>{request.aggregations!.join(", ")}</dd>
          </div>
        )}
        {request.shape && (
          <div>
            <dt>Shape</dt>
            <dd>{request.shape}</dd>
          </div>
        )}
        {request.columns && (
          <div>
            <dt>Columns</dt>
            <dd>
              {[
                request.columns.exclude?.length ? `without ${request.columns.exclude.join(", ")}` : "",
                request.columns.rename
                  ? `renamed ${Object.entries(request.columns.rename).map(([from, to]) => `${from} → ${to}`).join(", ")}`
                  : "",
              ]
                .filter(Boolean)
                .join("; ")}
            </dd>
          </div>
        )}
        <div>
          <dt>Format</dt>
          <dd>
            {FORMAT_INFO[request.format].label}
            {request.compression && request.compression !== "none" ? `, ${request.compression}` : ""}
          </dd>
        </div>
        <div>
          <dt>File name</dt>
          <dd data-testid="export-file-name">
            {fileName ?? (fileNameError ? <span className="muted">named when it is saved</span> : <span className="muted">…</span>)}
          </dd>
        </div>
        {preview && (
          <div>
            <dt>Estimated size</dt>
            <dd>
              {formatCount(preview.estimatedRows)} rows{bytes !== undefined ? `, about ${formatBytes(bytes)}` : ""}
            </dd>
          </div>
        )}
        <div>
          <dt>Delivery</dt>
          <dd>
            {background
              ? "In the background: the server writes the file and keeps it on the History page."
              : "Download now: your browser saves the file."}
          </dd>
        </div>
      </dl>

      <Checkbox
        label="Run in background"
        checked={background}
        disabled={started}
        onChange={onBackgroundChange}
        hint="Best for large exports: you can close this window while the server works, and download the file later from History."
      />

      {background && (
        <DestinationPicker
          destinations={destinationChoices}
          loadError={destinationsError}
          value={destinations}
          onChange={onDestinationsChange}
          hint="Optional: the file is also sent to these once it is written."
          errors={deliveryErrors.length > 0 ? deliveryErrors : undefined}
          destinationsHref={destinationsHref}
          disabled={started}
        />
      )}

      <div role="status" className="delivery-status">
        {progress && !result && !error && !job && <ExportProgress progress={progress} />}
        {result &&
          (result.direct ? (
            <p className="success-text">
              Your browser is downloading <strong>{result.filename}</strong>: its progress is in the browser&rsquo;s
              downloads, and the file is listed in History.
            </p>
          ) : (
            <p className="success-text">
              Downloaded <strong>{result.filename}</strong> ({formatBytes(result.bytes)}).
            </p>
          ))}
      </div>

      {job && <BackgroundJobStatus job={job} reason={jobReason} historyHref={historyHref} />}

      {error &&
        (isApiError(error) ? (
          <ProblemAlert error={error}>
            {fixSteps.size > 0 && (
              <div className="alert-actions">
                {[...fixSteps].map(([index, name]) => (
                  <button key={index} type="button" className="btn btn-secondary btn-sm" onClick={() => onGoToStep(index)}>
                    Fix in {name}
                  </button>
                ))}
              </div>
            )}
          </ProblemAlert>
        ) : (
          <Alert title="The export failed">
            <p className="alert-detail">{error.message}</p>
          </Alert>
        ))}
    </div>
  );
}
