import { useCallback, useEffect } from "react";
import { TimeZonePicker } from "../../components/TimeZonePicker";
import { ExportRequestEditor } from "../../features/export-series/components/ExportRequestEditor";
import { useSources, type Source } from "../../features/sources/api/list-sources";
import { QueryBuilder } from "../../features/sources/components/QueryBuilder";
import { rowsFromFilter } from "../../features/sources/utils/filters";
import { initialDraft, toExportQuery, type QueryDraft } from "../../features/sources/utils/query-draft";
import type { TemplateRequestEditor } from "../../features/templates/components/TemplateFormDialog";
import { TemplatesView } from "../../features/templates/components/TemplatesView";
import type { ExportRequest } from "../../lib/export-request";
import { routeHref } from "../navigation";

const scheduleHref = (template: string) => routeHref({ page: "schedules", template });

const FILE_NAME_HINT = "Placeholders: {source}, {template}, {range}, {date} and {date:yyyy-MM-dd}.";

/** A saved request's query as the Explore form's draft (a filter the form cannot show stays as it is). */
function draftOf(request: ExportRequest, source: Source): QueryDraft {
  const base = initialDraft(source, request.timeframe);
  return {
    ...base,
    metrics: request.metrics ?? base.metrics,
    fields: request.fields ?? base.fields,
    granularity: request.granularity ?? "auto",
    filters: rowsFromFilter(request.filter) ?? [],
    groupBy: request.groupBy ?? [],
    aggregations: request.aggregations ?? [],
  };
}

/** The series envelope's request edited with Explore's query form and the export dialog's steps. */
function SeriesTemplateEditor({ request: envelope, onChange, error, onValidityChange }: Parameters<TemplateRequestEditor>[0]) {
  const sources = useSources();
  const series = envelope.series as ExportRequest;
  const source = sources.data?.find((candidate) => candidate.name === series.source) ?? sources.data?.[0];

  const setSeries = useCallback(
    (next: ExportRequest) => onChange({ ...envelope, series: next, format: next.format }),
    [envelope, onChange],
  );
  // A new template names no source yet: start from the first.
  useEffect(() => {
    if (source && series.source !== source.name) {
      setSeries({ ...series, ...toExportQuery(initialDraft(source, series.timeframe), source, series.timezone || "UTC") });
    }
  }, [source, series, setSeries]);

  if (!sources.data) return <p className="muted">Loading sources…</p>;
  if (!source || series.source !== source.name) return <p className="muted">There are no sources to export.</p>;
  const draft = draftOf(series, source);
  const keepsFilter = series.filter && rowsFromFilter(series.filter) === undefined;
  const setDraft = (next: QueryDraft) => {
    const nextSource = sources.data.find((candidate) => candidate.name === next.source) ?? source;
    const query = toExportQuery(next, nextSource, series.timezone);
    setSeries({ ...series, ...query, ...(keepsFilter && next.source === series.source ? { filter: series.filter } : {}) });
  };

  return (
    <ExportRequestEditor
      value={series}
      onChange={setSeries}
      kind={source.kind}
      error={error}
      onValidityChange={onValidityChange}
      fileNameHint={FILE_NAME_HINT}
      queryEditor={
        <div className="stack">
          <QueryBuilder sources={sources.data} source={source} draft={draft} onChange={setDraft} />
          {keepsFilter && <p className="muted">This template's filter is kept as saved; edit it as JSON.</p>}
          <TimeZonePicker label="Time zone" value={series.timezone} onChange={(timezone) => setSeries({ ...series, timezone })} />
        </div>
      }
    />
  );
}

const requestEditor: TemplateRequestEditor = (props) => <SeriesTemplateEditor {...props} />;

export function TemplatesPage() {
  return <TemplatesView scheduleHref={scheduleHref} requestEditor={requestEditor} />;
}
