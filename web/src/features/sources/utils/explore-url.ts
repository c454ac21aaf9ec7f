import { AGGREGATIONS, FILTER_OPS, GRANULARITIES, type FilterOp, type Granularity, type Timeframe } from "../../../lib/export-request";
import type { Source } from "../api/list-sources";
import { filterFieldsOf, groupableDimensions, type FilterRow } from "./filters";
import { initialDraft, type QueryDraft } from "./query-draft";

/** The Explore page's state: what to read, and the zone buckets and times are read in. */
export interface ExploreState {
  draft: QueryDraft;
  timezone: string;
  /** Live on: new rows followed as they arrive (only with a range that ends now, "last …"). */
  live?: boolean | undefined;
}

const list = (value: string | null) => (value ? value.split(",").filter(Boolean) : []);

/**
 * Explore's state as query parameters (source, metrics or fields, last or from/to, tz, granularity, groupBy,
 * aggregations and filter rows as JSON), so a reload keeps it and a link shares it. Defaults are left out.
 */
export function encodeExploreState({ draft, timezone, live }: ExploreState, source: Source): URLSearchParams {
  const params = new URLSearchParams();
  params.set("source", draft.source);
  if (source.kind === "timeseries") params.set("metrics", draft.metrics.join(","));
  else if (draft.fields.length < source.fields.length) params.set("fields", draft.fields.join(","));
  if ("last" in draft.timeframe) params.set("last", draft.timeframe.last);
  else {
    params.set("from", draft.timeframe.from);
    params.set("to", draft.timeframe.to);
  }
  params.set("tz", timezone);
  if (draft.granularity !== "auto") params.set("granularity", draft.granularity);
  if (draft.groupBy.length > 0) params.set("groupBy", draft.groupBy.join(","));
  if (draft.aggregations.length > 0) params.set("aggregations", draft.aggregations.join(","));
  if (draft.filters.length > 0) params.set("filter", JSON.stringify(draft.filters.map((row) => [row.field, row.op, row.value, row.value2])));
  if (live && "last" in draft.timeframe) params.set("live", "1");
  return params;
}

/**
 * The state a link names, kept only where it fits the sources there are: an unknown source falls back to the first,
 * unknown metrics, fields, dimensions, aggregations, granularities and filter fields are dropped.
 */
export function decodeExploreState(params: URLSearchParams, sources: readonly Source[], fallbackZone: string): ExploreState {
  const source = sources.find((candidate) => candidate.name === params.get("source")) ?? sources[0]!;
  const base = initialDraft(source);
  const timeframe: Timeframe = params.get("from") && params.get("to")
    ? { from: params.get("from")!, to: params.get("to")! }
    : /^\d{1,5}(m|h|d|w|mo|y)$/.test(params.get("last") ?? "")
      ? { last: params.get("last")! }
      : base.timeframe;
  const metrics = list(params.get("metrics")).filter((name) => source.metrics.some((metric) => metric.name === name));
  const fields = list(params.get("fields")).filter((name) => source.fields.some((field) => field.name === name));
  const granularity = params.get("granularity");
  const filterFields = filterFieldsOf(source);
  let filters: FilterRow[] = [];
  try {
    const raw: unknown = JSON.parse(params.get("filter") ?? "[]");
    if (Array.isArray(raw)) {
      filters = raw
        .filter((row): row is [string, FilterOp, string, string] =>
          Array.isArray(row) && row.length === 4 && row.every((part) => typeof part === "string") &&
          FILTER_OPS.includes(row[1] as FilterOp) && filterFields.some((field) => field.name === row[0]))
        .map(([field, op, value, value2], index) => ({ id: index + 1, field, op, value, value2 }));
    }
  } catch {
    filters = [];
  }
  return {
    timezone: params.get("tz") || fallbackZone,
    draft: {
      ...base,
      timeframe,
      metrics: params.has("metrics") ? metrics : base.metrics,
      fields: params.has("fields") && fields.length > 0 ? fields : base.fields,
      granularity: GRANULARITIES.includes(granularity as Granularity) ? (granularity as Granularity) : "auto",
      groupBy: list(params.get("groupBy")).filter((name) => groupableDimensions(source).some((dimension) => dimension.name === name)),
      aggregations: list(params.get("aggregations")).filter((name) => (AGGREGATIONS as readonly string[]).includes(name)),
      filters,
    },
    ...(params.get("live") === "1" && "last" in timeframe ? { live: true } : {}),
  };
}

/** The query part of Explore's address ("#/explore?source=…", or "#/?source=…" from older links), or empty parameters. */
export function exploreParamsOf(hash: string): URLSearchParams {
  const query = hash.replace(/^#\/?/, "").split("?", 2)[1];
  return new URLSearchParams(query ?? "");
}
