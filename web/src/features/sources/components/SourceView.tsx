import { useId } from "react";
import { QueryState } from "../../../components/QueryState";
import { usePageTitle } from "../../../lib/use-page-title";
import { useSources, type Source } from "../api/list-sources";
import { SinksSection } from "./SinksSection";
import { describeExtent, describeRowCounts } from "./SourcesView";
import { StreamTokensSection } from "./StreamTokensSection";
import "./source-page.css";

export interface SourceViewProps {
  name: string;
  /** The address of the sources list. */
  listHref: string;
  exploreHref: (name: string) => string;
}

/** One source's page: what it holds, then its live consumers: webhook sinks and stream tokens. */
export function SourceView({ name, listHref, exploreHref }: SourceViewProps) {
  // Read afresh on every visit: a cached list could lack a source made since.
  const sources = useSources({ refetchOnMount: "always" });
  const source = sources.data?.find((candidate) => candidate.name === name);
  usePageTitle(source ? `${source.name} · Sources` : undefined);

  // "No source named" only once the server itself has just said so: not from a cached list, nor after a failed read.
  if (sources.data === undefined || (!source && (sources.isFetching || sources.isError))) {
    const query = { isPending: sources.isPending || sources.isFetching, error: sources.error, refetch: sources.refetch };
    return (
      <section className="content source-page" aria-label={`Source ${name}`}>
        <QueryState query={query} loading="Loading the source…" failed="The sources could not be loaded." />
      </section>
    );
  }
  if (!source) {
    return (
      <section className="content source-page" aria-labelledby="source-missing">
        <h1 id="source-missing" className="page-title">
          No source named “{name}”
        </h1>
        <p className="muted">It may have been renamed or deleted, or the address is mistyped.</p>
        <p>
          <a href={listHref}>Back to all sources</a>
        </p>
      </section>
    );
  }
  return (
    <div className="content source-page">
      <SourceHeading source={source} listHref={listHref} explore={exploreHref(source.name)} />
      <SinksSection source={source} />
      <StreamTokensSection source={source} />
    </div>
  );
}

function SourceHeading({ source, listHref, explore }: { source: Source; listHref: string; explore: string }) {
  const titleId = useId();
  const timeseries = source.kind === "timeseries";
  return (
    <section className="stack-tight" aria-labelledby={titleId}>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <a href={listHref}>Sources</a>
      </nav>
      <div className="toolbar">
        <h1 id={titleId} className="page-title source-title">
          <span className="source-title-name">{source.name}</span>
          <span className="kind-badge">{timeseries ? "Time series" : "Records"}</span>
        </h1>
        <div className="toolbar-actions">
          <a className="btn btn-secondary" href={explore}>
            Open in Explore
          </a>
        </div>
      </div>
      {source.description && <p className="muted">{source.description}</p>}
      <dl className="source-facts">
        <div>
          <dt>{timeseries ? "Metrics" : "Fields"}</dt>
          <dd>
            {timeseries
              ? source.metrics.length > 0
                ? source.metrics.map((metric) => (metric.unit ? `${metric.name} (${metric.unit})` : metric.name)).join(", ")
                : "None yet"
              : source.fields.map((field) => `${field.name} (${field.role}, ${field.type}${field.unit ? `, ${field.unit}` : ""})`).join(", ")}
          </dd>
        </div>
        <div>
          <dt>Data from</dt>
          <dd>{describeExtent(source)}</dd>
        </div>
        <div>
          <dt>Rows</dt>
          <dd>{describeRowCounts(source)}</dd>
        </div>
      </dl>
    </section>
  );
}
