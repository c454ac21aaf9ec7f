import { formatLabel } from "../../../lib/export-labels";
import type { JobRecord } from "../../../lib/export-jobs";
import type { Timeframe } from "../../../lib/export-request";
import { describeTimeframe } from "../../../lib/timeframe";

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

const OPS: Record<string, string> = {
  eq: "=",
  ne: "≠",
  neq: "≠",
  gt: ">",
  gte: "≥",
  lt: "<",
  lte: "≤",
  in: "in",
  startsWith: "starts with",
  contains: "contains",
};

/** The leaf conditions of a filter tree ({and|or: [...]}, {not: ...}, {field, op, value}) as short phrases. */
function conditions(filter: unknown, negated = false): string[] {
  if (!isObject(filter)) return [];
  for (const key of ["and", "or"] as const) {
    const list = filter[key];
    if (Array.isArray(list)) return list.flatMap((item) => conditions(item, negated));
  }
  if ("not" in filter) return conditions(filter.not, !negated);
  if (typeof filter.field !== "string") return [];
  const op = typeof filter.op === "string" ? (OPS[filter.op] ?? filter.op) : "=";
  const value = Array.isArray(filter.value) ? filter.value.join(", ") : String(filter.value ?? "");
  return [`${negated ? "not " : ""}${filter.field} ${op} ${value}`.trim()];
}

function timeframe(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  if (typeof value.last === "string") return describeTimeframe({ last: value.last } as Timeframe);
  if (typeof value.from === "string" && typeof value.to === "string") {
    return describeTimeframe({ from: value.from, to: value.to } as Timeframe);
  }
  return undefined;
}

export interface ExportSummary {
  /** The source (series) or the layout's title. */
  what: string;
  range: string | undefined;
  filters: string[];
  format: string;
}

/** What an export ran, read from its stored request: source, time range, filters and format. */
export function summarize(job: JobRecord): ExportSummary {
  const request = isObject(job.request) ? job.request : {};
  const format = formatLabel(job.format);
  if (isObject(request.layout)) {
    const layout = request.layout;
    return {
      what: typeof layout.title === "string" && layout.title ? layout.title : job.title || "Layout",
      range: timeframe(layout.timeframe),
      filters: [],
      format,
    };
  }
  const series = isObject(request.series) ? request.series : request;
  return {
    what: job.source ?? (typeof series.source === "string" ? series.source : "–"),
    range: timeframe(series.timeframe),
    filters: conditions(series.filter),
    format,
  };
}

/** "servers · Last 7 days · region = eu-west · CSV" (more than two filters are counted). */
export function summaryText(summary: ExportSummary): string {
  const filters =
    summary.filters.length > 2 ? [`${summary.filters.length} filters`] : summary.filters;
  return [summary.what, summary.range, ...filters, summary.format].filter(Boolean).join(" · ");
}

/** The series request a direct download ran, to run it again the same way. */
export function seriesRequestOf(job: JobRecord): unknown {
  const request = isObject(job.request) ? job.request : {};
  return isObject(request.series) ? request.series : undefined;
}
