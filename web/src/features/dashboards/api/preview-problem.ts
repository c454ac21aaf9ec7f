import { useQuery } from "@tanstack/react-query";
import { apiFetch, type ApiError } from "../../../lib/api-client";
import { DASHBOARDS_QUERY_KEY } from "./list-dashboards";

/**
 * Why a preview image failed: an <img> only says "error", so the same URL is fetched once to read the Problem
 * Details. Idle while `url` is undefined; resolves to null if the second attempt worked.
 */
export function usePreviewProblem(url: string | undefined) {
  return useQuery<null, ApiError | Error>({
    queryKey: [...DASHBOARDS_QUERY_KEY, "preview-problem", url],
    queryFn: async ({ signal }) => {
      await apiFetch(url!, { headers: { Accept: "*/*" }, signal });
      return null;
    },
    enabled: url !== undefined,
    retry: false,
    staleTime: Infinity,
  });
}
