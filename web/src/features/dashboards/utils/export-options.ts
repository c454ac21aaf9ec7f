import type { Timeframe } from "../../../lib/export-request";
import type { DashboardLayout } from "../api/get-dashboard";

export const THEMES = ["light", "dark"] as const;
export type Theme = (typeof THEMES)[number];

export const PAGE_SIZES = ["A4", "Letter", "A3", "Legal"] as const;
export type PageSize = (typeof PAGE_SIZES)[number];

export const ORIENTATIONS = ["portrait", "landscape"] as const;
export type Orientation = (typeof ORIENTATIONS)[number];

export const SCALES = ["1", "2"] as const;
export type Scale = (typeof SCALES)[number];

export type VisualFormat = "png" | "pdf";

/** What the options bar sets: the query-string overrides of a dashboard or widget export. */
export interface ExportOptions {
  timeframe: Timeframe;
  theme: Theme;
  page: PageSize;
  orientation: Orientation;
  scale: Scale;
}

const DEFAULT_TIMEFRAME: Timeframe = { last: "24h" };

function oneOf<T extends string>(values: readonly T[], value: string | null | undefined, fallback: T): T {
  const found = values.find((candidate) => candidate.toLowerCase() === value?.toLowerCase());
  return found ?? fallback;
}

/** The dashboard's own settings (what an export without overrides gets), as options-bar values. */
export function defaultOptions(layout: DashboardLayout): ExportOptions {
  const mode = typeof layout.theme === "string" ? layout.theme : layout.theme?.mode;
  return {
    timeframe: layout.timeframe ?? DEFAULT_TIMEFRAME,
    theme: oneOf(THEMES, mode, "light"),
    page: oneOf(PAGE_SIZES, layout.page?.size, "A4"),
    orientation: oneOf(ORIENTATIONS, layout.page?.orientation, "portrait"),
    scale: layout.scale === 2 ? "2" : "1",
  };
}

/**
 * The query string for one format. Scale only changes a PNG and page size and orientation only a PDF, so each
 * format gets just the overrides that change it: switching the page size does not redraw the PNG preview.
 */
export function exportSearch(options: ExportOptions, format: VisualFormat): string {
  const params = new URLSearchParams();
  if ("last" in options.timeframe) {
    params.set("last", options.timeframe.last);
  } else {
    params.set("from", options.timeframe.from);
    params.set("to", options.timeframe.to);
  }
  params.set("theme", options.theme);
  if (format === "png") {
    params.set("scale", options.scale);
  } else {
    params.set("page", options.page);
    params.set("orientation", options.orientation);
  }
  return params.toString();
}

const BASE = "/api/v1/dashboards";

export function dashboardExportUrl(dashboardId: string, format: VisualFormat, options: ExportOptions): string {
  return `${BASE}/${encodeURIComponent(dashboardId)}/export.${format}?${exportSearch(options, format)}`;
}

export function widgetExportUrl(
  dashboardId: string,
  widgetId: string,
  format: VisualFormat,
  options: ExportOptions,
): string {
  return (
    `${BASE}/${encodeURIComponent(dashboardId)}/widgets/${encodeURIComponent(widgetId)}` +
    `/export.${format}?${exportSearch(options, format)}`
  );
}

export type DataFormat = "csv" | "xlsx" | "json";

/** A widget's data (its query with the dashboard's zone and the options' range): only the range applies. */
export function widgetDataUrl(dashboardId: string, widgetId: string, format: DataFormat, options: ExportOptions): string {
  const params = new URLSearchParams();
  if ("last" in options.timeframe) {
    params.set("last", options.timeframe.last);
  } else {
    params.set("from", options.timeframe.from);
    params.set("to", options.timeframe.to);
  }
  return `${BASE}/${encodeURIComponent(dashboardId)}/widgets/${encodeURIComponent(widgetId)}/export.${format}?${params}`;
}

/** Problem Details field names of an export -> the options-bar label that sets them. */
const FIELD_LABELS: Record<string, string> = {
  timeframe: "Time range",
  last: "Time range",
  from: "Time range",
  to: "Time range",
  theme: "Theme",
  "page.size": "Page size",
  "page.orientation": "Orientation",
  scale: "Scale",
  viewportwidth: "Width",
  timezone: "Time zone",
  tz: "Time zone",
};

export function optionLabel(field: string): string {
  return FIELD_LABELS[field.toLowerCase()] ?? field;
}
