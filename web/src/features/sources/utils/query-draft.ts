import type { ExportQuery, Granularity, Timeframe } from "../../../lib/export-request";
import type { Source } from "../api/list-sources";
import { compileFilters, filterFieldsOf, type FilterRow } from "./filters";

/** Everything the Explore page lets the user choose, before it becomes an ExportQuery. */
export interface QueryDraft {
  source: string;
  metrics: string[];
  fields: string[];
  timeframe: Timeframe;
  granularity: Granularity;
  filters: FilterRow[];
  groupBy: string[];
  aggregations: string[];
}

export function initialDraft(source: Source, timeframe: Timeframe = { last: "24h" }): QueryDraft {
  return {
    source: source.name,
    metrics: source.metrics.slice(0, 1).map((metric) => metric.name),
    fields: source.fields.map((field) => field.name),
    timeframe,
    granularity: "auto",
    filters: [],
    groupBy: [],
    aggregations: [],
  };
}

/** Why the draft cannot be previewed yet, or undefined when it can. */
export function draftProblem(draft: QueryDraft, source: Source): string | undefined {
  if (source.kind === "timeseries" && draft.metrics.length === 0) return "Choose at least one metric.";
  if (source.kind === "records" && draft.fields.length === 0) return "Choose at least one field.";
  return undefined;
}

export function toExportQuery(draft: QueryDraft, source: Source, timezone: string): ExportQuery {
  const filter = compileFilters(draft.filters, filterFieldsOf(source));
  return {
    source: draft.source,
    ...(source.kind === "timeseries" ? { metrics: draft.metrics } : {}),
    // Records export every field by default, so the list is sent only when it is a subset.
    ...(source.kind === "records" && draft.fields.length < source.fields.length ? { fields: draft.fields } : {}),
    timeframe: draft.timeframe,
    timezone,
    granularity: draft.granularity,
    ...(filter ? { filter } : {}),
    ...(draft.groupBy.length > 0 ? { groupBy: draft.groupBy } : {}),
    ...(draft.aggregations.length > 0 ? { aggregations: draft.aggregations } : {}),
  };
}
