import { useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { apiJson } from "../../../lib/api-client";
import type { Timeframe } from "../../../lib/export-request";
import { DASHBOARDS_QUERY_KEY, dashboardSummarySchema } from "./list-dashboards";

/** A stored timeframe: `{ last }` or `{ from, to }`; anything else leaves the range to the server's default. */
const timeframeSchema = z
  .object({ last: z.string().nullish(), from: z.string().nullish(), to: z.string().nullish() })
  .transform((value): Timeframe | undefined =>
    value.last ? { last: value.last } : value.from && value.to ? { from: value.from, to: value.to } : undefined,
  );

const widgetSchema = z.object({
  id: z.string(),
  type: z.string(),
  title: z.string().nullish(),
  x: z.number().default(0),
  y: z.number().default(0),
  w: z.number().default(0),
  h: z.number().default(0),
  query: z.unknown().optional(),
  options: z.unknown().optional(),
  text: z.string().nullish(),
});

const layoutSchema = z.object({
  title: z.string().nullish(),
  timeframe: timeframeSchema.nullish(),
  timezone: z.string().nullish(),
  /** "light", "dark", or { mode, palette }. */
  theme: z.union([z.string(), z.object({ mode: z.string().nullish() })]).nullish(),
  page: z.object({ size: z.string().nullish(), orientation: z.string().nullish() }).nullish(),
  scale: z.number().nullish(),
  /** The renderer's grid (defaults: 12 columns, 80-pixel rows, 8-pixel gaps, 16-pixel padding). */
  grid: z
    .object({ columns: z.number().nullish(), rowHeight: z.number().nullish(), gap: z.number().nullish(), padding: z.number().nullish() })
    .nullish(),
  viewportWidth: z.number().nullish(),
  widgets: z.array(widgetSchema).default([]),
});

export const dashboardSchema = dashboardSummarySchema.extend({ layout: layoutSchema });

export type Dashboard = z.infer<typeof dashboardSchema>;
export type DashboardLayout = z.infer<typeof layoutSchema>;
export type DashboardWidget = z.infer<typeof widgetSchema>;

export function dashboardQueryKey(idOrSlug: string) {
  return [...DASHBOARDS_QUERY_KEY, "detail", idOrSlug] as const;
}

export function getDashboard(idOrSlug: string, signal?: AbortSignal): Promise<Dashboard> {
  return apiJson(`/api/v1/dashboards/${encodeURIComponent(idOrSlug)}`, dashboardSchema, { signal });
}

/** A dashboard with its layout (widgets, saved range, theme and page); idle while `idOrSlug` is undefined. */
export function useDashboard(idOrSlug: string | undefined) {
  return useQuery({
    queryKey: dashboardQueryKey(idOrSlug ?? ""),
    queryFn: ({ signal }) => getDashboard(idOrSlug!, signal),
    enabled: idOrSlug !== undefined,
  });
}
