import { useId, useState } from "react";
import { QueryState } from "../../../components/QueryState";
import { Button } from "../../../components/ui/Button";
import { isApiError } from "../../../lib/api-client";
import type { JobRecord } from "../../../lib/export-jobs";
import { useDebouncedValue } from "../../../lib/use-debounced-value";
import { hasFilters, NO_FILTERS, useExportHistory, type HistoryFilters as Filters } from "../api/list-exports";
import { ExportRow, HISTORY_COLUMNS } from "./ExportRow";
import { HistoryFilters } from "./HistoryFilters";

export interface HistoryViewProps {
  /** Delay before a typed source filter is applied; tests pass 0. */
  sourceDelayMs?: number;
  /** How often open deliveries are read again while under way; tests pass less. */
  deliveriesPollMs?: number;
}

/** The caller's exports, newest first: filters, a live table, and "Load more" for older pages. */
export function HistoryView({ sourceDelayMs = 300, deliveriesPollMs }: HistoryViewProps) {
  const titleId = useId();
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  // Typing a source name should not fetch once per key.
  const source = useDebouncedValue(filters.source.trim(), sourceDelayMs);
  const applied: Filters = { ...filters, source };
  const history = useExportHistory(applied);

  return (
    <section className="history content" aria-labelledby={titleId}>
      <div className="toolbar">
        <div className="stack-tight">
          <h1 id={titleId} className="page-title">
            Export history
          </h1>
          <p className="muted">
            Background exports and direct downloads. Background files are kept until they expire; a direct download went
            straight to your browser and is listed so you can run it again.
          </p>
        </div>
      </div>
      <div className="card stack">
        <HistoryFilters value={filters} onChange={setFilters} />
        <HistoryList history={history} filtered={hasFilters(applied)} deliveriesPollMs={deliveriesPollMs} />
      </div>
    </section>
  );
}

interface HistoryListProps {
  history: ReturnType<typeof useExportHistory>;
  filtered: boolean;
  deliveriesPollMs: number | undefined;
}

function HistoryList({ history, filtered, deliveriesPollMs }: HistoryListProps) {
  if (history.data === undefined) return <QueryState query={history} loading="Loading exports…" failed="The exports could not be loaded." />;

  // Keyset pages do not overlap, but a job can move between pages while they are refetched one by one.
  const seen = new Set<string>();
  const jobs: JobRecord[] = [];
  for (const job of history.data.pages.flatMap((page) => page.items)) {
    if (!seen.has(job.id)) {
      seen.add(job.id);
      jobs.push(job);
    }
  }

  if (jobs.length === 0) {
    return (
      <p className="empty">
        {filtered
          ? "No exports match these filters."
          : "No exports yet. Downloads and background exports (“Run in background” in the export dialog) show up here."}
      </p>
    );
  }

  return (
    <div className="stack-tight" aria-busy={history.isFetching && !history.isFetchingNextPage}>
      <div className="table-scroll history-table" tabIndex={0} role="region" aria-label="Exports">
        <table className="table">
          <thead>
            <tr>
              {HISTORY_COLUMNS.map((column) => (
                <th key={column} scope="col">
                  {column}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {jobs.map((job) => (
              <ExportRow key={job.id} initial={job} deliveriesPollMs={deliveriesPollMs} />
            ))}
          </tbody>
        </table>
      </div>
      {history.hasNextPage && (
        <Button
          className="load-more"
          disabled={history.isFetchingNextPage}
          aria-busy={history.isFetchingNextPage}
          onClick={() => void history.fetchNextPage()}
        >
          Load more
        </Button>
      )}
      {/* A page that failed after others loaded: keep the rows, say what went wrong. */}
      {history.isError && (
        <p role="alert" className="inline-error">
          {isApiError(history.error) ? [history.error.title, history.error.detail].filter(Boolean).join(": ") : history.error.message}
        </p>
      )}
    </div>
  );
}
