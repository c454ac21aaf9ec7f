import { keepPreviousData, useInfiniteQuery, useQueryClient, type InfiniteData, type QueryClient } from "@tanstack/react-query";
import { z } from "zod";
import { apiJson } from "../../../lib/api-client";
import { EXPORT_JOBS_QUERY_KEY, jobRecordSchema, rememberExportJob, type JobStatus } from "../../../lib/export-jobs";

export const HISTORY_PAGE_SIZE = 25;

export type HistorySort = "-createdAt" | "createdAt" | "size";

/** What the History page narrows the list to; empty strings mean "any". */
export interface HistoryFilters {
  status: JobStatus | "";
  kind: "series" | "layout" | "";
  format: string;
  source: string;
  sort: HistorySort;
}

export const NO_FILTERS: HistoryFilters = { status: "", kind: "", format: "", source: "", sort: "-createdAt" };

export function hasFilters(filters: HistoryFilters): boolean {
  return filters.status !== "" || filters.kind !== "" || filters.format !== "" || filters.source.trim() !== "";
}

const historyPageSchema = z.object({
  items: z.array(jobRecordSchema),
  nextCursor: z.string().nullish(),
});

export type HistoryPage = z.infer<typeof historyPageSchema>;

/** GET /api/v1/exports with only the filters that are set, e.g. "/api/v1/exports?status=failed&limit=25". */
export function historyPath(filters: HistoryFilters, cursor?: string): string {
  const params = new URLSearchParams();
  if (filters.status) params.set("status", filters.status);
  if (filters.kind) params.set("kind", filters.kind);
  if (filters.format) params.set("format", filters.format);
  const source = filters.source.trim();
  if (source) params.set("source", source);
  if (filters.sort !== "-createdAt") params.set("sort", filters.sort);
  params.set("limit", String(HISTORY_PAGE_SIZE));
  if (cursor) params.set("cursor", cursor);
  return `/api/v1/exports?${params}`;
}

export function listExports(filters: HistoryFilters, cursor?: string, signal?: AbortSignal): Promise<HistoryPage> {
  return apiJson(historyPath(filters, cursor), historyPageSchema, { signal });
}

export const HISTORY_LIST_QUERY_KEY = [...EXPORT_JOBS_QUERY_KEY, "list"] as const;

/**
 * The caller's exports, a page at a time (`fetchNextPage` follows nextCursor). Each listed job is also stored as
 * its own cache entry, which rows read and events update. Always read afresh when the page opens: jobs started
 * elsewhere must show up.
 */
export function useExportHistory(filters: HistoryFilters) {
  const queryClient = useQueryClient();
  return useInfiniteQuery({
    queryKey: [...HISTORY_LIST_QUERY_KEY, filters],
    queryFn: async ({ pageParam, signal }) => {
      const page = await listExports(filters, pageParam, signal);
      for (const job of page.items) rememberExportJob(queryClient, job);
      return page;
    },
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
    staleTime: 0,
  });
}

/** Drops a deleted job from every loaded page of every list. */
export function forgetListedExport(client: QueryClient, id: string): void {
  client.setQueriesData<InfiniteData<HistoryPage>>({ queryKey: HISTORY_LIST_QUERY_KEY }, (data) =>
    data ? { ...data, pages: data.pages.map((page) => ({ ...page, items: page.items.filter((job) => job.id !== id) })) } : data,
  );
}
