import { CheckboxGroup } from "../../../components/ui/CheckboxGroup";
import { Select } from "../../../components/ui/Select";
import { AGGREGATIONS, GRANULARITIES, type Granularity } from "../../../lib/export-request";
import type { Source } from "../api/list-sources";
import { filterFieldsOf, groupableDimensions } from "../utils/filters";
import { initialDraft, type QueryDraft } from "../utils/query-draft";
import { FilterBuilder } from "./FilterBuilder";

const GRANULARITY_LABELS: Record<Granularity, string> = {
  auto: "Auto (fits the range)",
  raw: "Raw (no bucketing)",
  "1m": "1 minute",
  "5m": "5 minutes",
  "15m": "15 minutes",
  "1h": "1 hour",
  "1d": "1 day",
  "1w": "1 week",
  "1mo": "1 month",
};

export interface QueryBuilderProps {
  sources: readonly Source[];
  source: Source;
  draft: QueryDraft;
  onChange: (draft: QueryDraft) => void;
  /** The bucket the server chose for "auto" (from the preview), shown as "Auto (15m)". */
  autoBucket?: string | undefined;
}

/** The left-hand panel of Explore: what to read from which source. */
export function QueryBuilder({ sources, source, draft, onChange, autoBucket }: QueryBuilderProps) {
  const groupable = groupableDimensions(source);
  const set = <K extends keyof QueryDraft>(key: K, value: QueryDraft[K]) => onChange({ ...draft, [key]: value });

  const changeSource = (name: string) => {
    const next = sources.find((candidate) => candidate.name === name);
    if (next) onChange(initialDraft(next, draft.timeframe));
  };

  return (
    <div className="stack">
      <Select
        label="Source"
        value={draft.source}
        options={sources.map((candidate) => ({ value: candidate.name, label: candidate.name }))}
        onChange={changeSource}
        hint={source.description ?? undefined}
      />

      {source.kind === "timeseries" ? (
        <CheckboxGroup
          legend="Metrics"
          options={source.metrics.map((metric) => ({
            value: metric.name,
            label: metric.name,
            hint: metric.unit ? `(${metric.unit})` : undefined,
          }))}
          value={draft.metrics}
          onChange={(metrics) => set("metrics", metrics)}
        />
      ) : (
        <CheckboxGroup
          legend="Fields"
          options={source.fields.map((field) => ({
            value: field.name,
            label: field.name,
            hint: field.role === "measure" ? `(${field.unit ?? field.type})` : undefined,
          }))}
          value={draft.fields}
          onChange={(fields) => set("fields", fields)}
        />
      )}

      <Select
        label="Granularity"
        value={draft.granularity}
        options={GRANULARITIES.map((value) => ({
          value,
          label: value === "auto" && autoBucket ? `Auto (${autoBucket})` : GRANULARITY_LABELS[value],
        }))}
        hint={
          draft.granularity === "auto"
            ? "Auto fits the range: raw points up to a day, buckets when you group or aggregate."
            : undefined
        }
        onChange={(granularity) => set("granularity", granularity)}
      />

      <FilterBuilder fields={filterFieldsOf(source)} rows={draft.filters} onChange={(rows) => set("filters", rows)} />

      {groupable.length > 0 && (
        <CheckboxGroup
          legend="Group by"
          options={groupable.map((dimension) => ({ value: dimension.name, label: dimension.name }))}
          value={draft.groupBy}
          onChange={(groupBy) => set("groupBy", groupBy)}
        />
      )}

      <CheckboxGroup
        legend="Aggregations"
        hint="Applied per time bucket and group. None chosen: the server's default."
        columns={3}
        options={AGGREGATIONS.map((value) => ({ value, label: value }))}
        value={draft.aggregations}
        onChange={(aggregations) => set("aggregations", aggregations)}
      />
    </div>
  );
}
