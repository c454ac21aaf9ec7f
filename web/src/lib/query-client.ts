import { QueryCache, QueryClient } from "@tanstack/react-query";
import { isApiError } from "./api-client";

/** Query key of the signed-in user; features that see a 401 clear it to return to the login page. */
export const SESSION_QUERY_KEY = ["auth", "me"] as const;

function shouldRetry(failureCount: number, error: unknown): boolean {
  if (isApiError(error) && error.status >= 400 && error.status < 500) return false;
  return failureCount < 2;
}

export function createQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({
      onError: (error) => {
        // A session that expired while the page was open: show the login page again.
        if (isApiError(error) && error.status === 401) client.setQueryData(SESSION_QUERY_KEY, null);
      },
    }),
    defaultOptions: {
      queries: { retry: shouldRetry, refetchOnWindowFocus: false, staleTime: 30_000 },
      mutations: { retry: false },
    },
  });
  return client;
}
