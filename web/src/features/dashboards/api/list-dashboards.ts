import { useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { apiJson } from "../../../lib/api-client";

export const dashboardSummarySchema = z.object({
  id: z.string(),
  slug: z.string(),
  title: z.string(),
  description: z.string().nullish(),
  /** Whether a public link is active. */
  shared: z.boolean().default(false),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const listDashboardsSchema = z.object({ dashboards: z.array(dashboardSummarySchema) });

export type DashboardSummary = z.infer<typeof dashboardSummarySchema>;

export const DASHBOARDS_QUERY_KEY = ["dashboards"] as const;

export async function listDashboards(signal?: AbortSignal): Promise<DashboardSummary[]> {
  const body = await apiJson("/api/v1/dashboards", listDashboardsSchema, { signal });
  return body.dashboards;
}

export function useDashboards() {
  return useQuery({
    queryKey: [...DASHBOARDS_QUERY_KEY, "list"],
    queryFn: ({ signal }) => listDashboards(signal),
  });
}
