import { isApiError } from "../lib/api-client";
import { ProblemAlert } from "./ui/Alert";
import { Button } from "./ui/Button";

interface LoadingQuery {
  isPending: boolean;
  error: Error | null;
  refetch: () => unknown;
}

/** What a list shows while its query has no data: a loading status, or the error with "Try again". */
export function QueryState({ query, loading, failed }: { query: LoadingQuery; loading: string; failed: string }) {
  if (query.isPending) {
    return (
      <p className="empty" role="status">
        {loading}
      </p>
    );
  }
  const error = query.error;
  return (
    <div className="stack-tight">
      {isApiError(error) ? <ProblemAlert error={error} /> : <p role="alert">{error?.message ?? failed}</p>}
      <Button onClick={() => void query.refetch()}>Try again</Button>
    </div>
  );
}
