import { useId } from "react";
import { QueryState } from "../../../components/QueryState";
import { formatCount, formatInstantPrecise } from "../../../lib/format";
import { useSources, type Source } from "../api/list-sources";
import "./source-page.css";

export interface SourcesViewProps {
  /** The address of a source's page. */
  sourceHref: (name: string) => string;
  /** The address of Explore with the source chosen. */
  exploreHref: (name: string) => string;
}

export const SOURCE_COLUMNS = ["Source", "Kind", "Description", "Data from", "Rows", "Actions"] as const;

/** The owner's sources: what each holds and since when, with links to its page (sinks, stream tokens) and to Explore. */
export function SourcesView({ sourceHref, exploreHref }: SourcesViewProps) {
  const titleId = useId();
  // Read afresh on every visit: a cached list could lack a source made since.
  const sources = useSources({ refetchOnMount: "always" });

  return (
    <section className="content sources-page" aria-labelledby={titleId}>
      <div className="stack-tight">
        <h1 id={titleId} className="page-title">
          Sources
        </h1>
        <p className="muted">
          Where your metrics and events live. Open a source to send its new rows to a webhook as they arrive, or to
          create a token that streams them to a page.
        </p>
      </div>
      <div className="card stack">
        {sources.data === undefined ? (
          <QueryState query={sources} loading="Loading sources…" failed="The sources could not be loaded." />
        ) : sources.data.length === 0 ? (
          <p className="empty">No sources yet. Create one with POST /api/v1/sources, then ingest points or records.</p>
        ) : (
          <div className="table-scroll card-table sources-list" role="region" aria-label="Sources" tabIndex={0}>
            <table className="table">
              <thead>
                <tr>
                  {SOURCE_COLUMNS.map((column) => (
                    <th key={column} scope="col">
                      {column === "Actions" ? <span className="sr-only">{column}</span> : column}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {sources.data.map((source) => (
                  <SourceRow key={source.name} source={source} href={sourceHref(source.name)} explore={exploreHref(source.name)} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </section>
  );
}

/** "2,592,000 raw · 43,200 hourly · 1,800 daily", leaving out tiers the server did not count. */
export function describeRowCounts(source: Source): string {
  const counts = source.rowCounts;
  if (!counts) return "–";
  const parts = (["raw", "hourly", "daily"] as const)
    .filter((tier) => counts[tier] !== undefined)
    .map((tier) => `${formatCount(counts[tier]!)} ${tier}`);
  return parts.length > 0 ? parts.join(" · ") : "–";
}

export function describeExtent(source: Source): string {
  return source.extent ? `${formatInstantPrecise(source.extent.from)} – ${formatInstantPrecise(source.extent.to)}` : "No data yet";
}

function SourceRow({ source, href, explore }: { source: Source; href: string; explore: string }) {
  const nameId = useId();
  return (
    <tr aria-labelledby={nameId}>
      <th scope="row">
        <a id={nameId} href={href} className="source-name">
          {source.name}
        </a>
      </th>
      <td data-label="Kind">{source.kind === "timeseries" ? "Time series" : "Records"}</td>
      <td data-label="Description" className="wrap">
        {source.description || <span className="muted">None</span>}
      </td>
      <td data-label="Data from" className="wrap">
        {describeExtent(source)}
      </td>
      <td data-label="Rows" className="wrap">
        {describeRowCounts(source)}
      </td>
      <td className="row-actions-cell-plain">
        <a className="btn btn-sm btn-secondary" href={explore} aria-describedby={nameId}>
          Explore
        </a>
      </td>
    </tr>
  );
}
