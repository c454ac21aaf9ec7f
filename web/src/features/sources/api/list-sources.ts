import { useQuery, type UseQueryOptions } from "@tanstack/react-query";
import { z } from "zod";
import { apiJson } from "../../../lib/api-client";

const metricSchema = z.object({
  name: z.string(),
  unit: z.string().nullish(),
  type: z.string(),
});

const fieldSchema = z.object({
  name: z.string(),
  role: z.enum(["dimension", "measure"]),
  type: z.enum(["string", "double", "integer", "array"]),
  unit: z.string().nullish(),
});

const dimensionSchema = z.object({
  name: z.string(),
  values: z.array(z.string()).default([]),
});

export const sourceSchema = z.object({
  name: z.string(),
  kind: z.enum(["timeseries", "records"]),
  description: z.string().nullish(),
  metrics: z.array(metricSchema).default([]),
  fields: z.array(fieldSchema).default([]),
  dimensions: z.array(dimensionSchema).default([]),
  extent: z.object({ from: z.string(), to: z.string() }).nullish(),
  rowCounts: z
    .object({ raw: z.number(), hourly: z.number(), daily: z.number() })
    .partial()
    .nullish(),
});

const listSourcesSchema = z.object({ sources: z.array(sourceSchema) });

export type Source = z.infer<typeof sourceSchema>;
export type SourceField = z.infer<typeof fieldSchema>;

export async function listSources(signal?: AbortSignal): Promise<Source[]> {
  const body = await apiJson("/api/v1/sources", listSourcesSchema, { signal });
  return body.sources;
}

export type SourcesQueryOptions = Pick<UseQueryOptions<Source[]>, "refetchOnMount" | "staleTime">;

/** The sources, cached for a while: Explore and Templates only need their names and metrics. A page about the sources
 * themselves passes `{ refetchOnMount: "always" }` so it never contradicts the server. */
export function useSources(options: SourcesQueryOptions = {}) {
  return useQuery({
    queryKey: ["sources", "list"],
    queryFn: ({ signal }) => listSources(signal),
    staleTime: 5 * 60_000,
    ...options,
  });
}
