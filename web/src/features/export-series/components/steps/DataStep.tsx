import { useId } from "react";
import { ProblemAlert } from "../../../../components/ui/Alert";
import { RadioCards } from "../../../../components/ui/RadioCards";
import { TimeRangePicker } from "../../../../components/TimeRangePicker";
import { isApiError } from "../../../../lib/api-client";
import { describeFilter, type ExportQuery } from "../../../../lib/export-request";
import { formatBytes, formatCount } from "../../../../lib/format";
import type { SeriesPreview } from "../../api/preview-series";
import type { ExportSettings, SourceKind } from "../../utils/export-settings";
import { FORMAT_INFO } from "../../utils/format-defaults";
import { granularityLabel } from "../PreviewSummary";
import { PreviewTable } from "../PreviewTable";

export interface DataStepProps {
  query: ExportQuery;
  kind: SourceKind;
  settings: ExportSettings;
  onChange: (settings: ExportSettings) => void;
  /** Preview without column choices: the columns there are to choose from. */
  basePreview: SeriesPreview | undefined;
  /** Preview of the request as it stands, for the estimates and sample rows. */
  preview: SeriesPreview | undefined;
  previewError: Error | null;
  /** Told what is wrong with the typed range (undefined once valid): the dialog blocks Next and Start meanwhile. */
  onRangeProblemChange?: (problem: string | undefined) => void;
  /** Where the query (filters, grouping) is changed; "the Explore page" by default. */
  queryHome?: string;
}

export function DataStep({ query, kind, settings, onChange, basePreview, preview, previewError, onRangeProblemChange, queryHome = "on the Explore page" }: DataStepProps) {
  const id = useId();
  const set = <K extends keyof ExportSettings>(key: K, value: ExportSettings[K]) => onChange({ ...settings, [key]: value });
  const excluded = new Set(settings.excluded);
  const bytes = preview?.estimatedBytes[settings.format];

  const toggleColumn = (name: string, include: boolean) =>
    set("excluded", include ? settings.excluded.filter((other) => other !== name) : [...settings.excluded, name]);

  return (
    <div className="stack">
      <section className="stack-tight" aria-labelledby={`${id}-range`}>
        <h4 className="section-label" id={`${id}-range`}>
          Time range
        </h4>
        <TimeRangePicker
          label="Export time range"
          value={settings.timeframe}
          onChange={(timeframe) => set("timeframe", timeframe)}
          onProblemChange={onRangeProblemChange}
        />
      </section>

      <p className="summary-line">
        <strong>Granularity:</strong>{" "}
        {basePreview ? granularityLabel(query.granularity, basePreview.granularity) : query.granularity} ·{" "}
        <strong>Filters:</strong> {describeFilter(query.filter)}
        {query.groupBy && query.groupBy.length > 0 && <> · <strong>Grouped by:</strong> {query.groupBy.join(", ")}</>}
        {query.aggregations && query.aggregations.length > 0 && <> · <strong>Aggregations:</strong> {query.aggregations.join(", ")}</>}
        <span className="muted"> (change these {queryHome})</span>
      </p>

      {kind === "timeseries" && (
        <RadioCards
          legend="Shape"
          name="export-shape"
          compact
          value={settings.shape}
          onChange={(shape) => set("shape", shape)}
          options={[
            { value: "long", label: "Long", hint: "One row per time, series and metric." },
            { value: "wide", label: "Wide", hint: "One row per time, a column per metric." },
          ]}
        />
      )}

      <fieldset className="fieldset">
        <legend className="field-label">Columns</legend>
        {basePreview ? (
          <div className="columns-scroll">
          <table className="table columns-table">
            <thead>
              <tr>
                <th scope="col">Column</th>
                <th scope="col">Include</th>
                <th scope="col">Rename to</th>
              </tr>
            </thead>
            <tbody>
              {basePreview.columns.map((column) => (
                <tr key={column.name}>
                  <th scope="row">{column.name}</th>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Include ${column.name}`}
                      checked={!excluded.has(column.name)}
                      onChange={(event) => toggleColumn(column.name, event.target.checked)}
                    />
                  </td>
                  <td>
                    <input
                      className="input input-sm"
                      aria-label={`Rename ${column.name}`}
                      placeholder={column.name}
                      disabled={excluded.has(column.name)}
                      value={settings.rename[column.name] ?? ""}
                      onChange={(event) => set("rename", { ...settings.rename, [column.name]: event.target.value })}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          </div>
        ) : (
          !previewError && <p className="muted">Loading columns…</p>
        )}
      </fieldset>

      {previewError && (isApiError(previewError) ? <ProblemAlert error={previewError} /> : <p role="alert">{previewError.message}</p>)}

      {preview && (
        <section className="stack-tight" aria-labelledby={`${id}-preview`}>
          <h4 className="section-label" id={`${id}-preview`}>
            Preview
          </h4>
          <p className="estimate">
            About <strong>{formatCount(preview.estimatedRows)}</strong> rows
            {bytes !== undefined && (
              <>
                , about <strong>{formatBytes(bytes)}</strong> as {FORMAT_INFO[settings.format].label} before compression
              </>
            )}
            .
          </p>
          <PreviewTable preview={preview} caption="Export preview, first rows" maxRows={5} />
        </section>
      )}
    </div>
  );
}
