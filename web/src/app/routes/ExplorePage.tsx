import { useIsFetching, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ProblemAlert } from "../../components/ui/Alert";
import { Button } from "../../components/ui/Button";
import { TimeRangePicker } from "../../components/TimeRangePicker";
import { TimeZonePicker } from "../../components/TimeZonePicker";
import { CHART_WIDTH, usePreviewSeries } from "../../features/export-series/api/preview-series";
import { ExportDialog } from "../../features/export-series/components/ExportDialog";
import { QuickExportMenu } from "../../features/export-series/components/QuickExportMenu";
import { SeriesPreviewPanel } from "../../features/export-series/components/SeriesPreviewPanel";
import { useSources, type Source } from "../../features/sources/api/list-sources";
import { useLiveFeed } from "../../features/sources/api/live-source";
import { LiveFeedPanel } from "../../features/sources/components/LiveFeedPanel";
import { QueryBuilder } from "../../features/sources/components/QueryBuilder";
import { decodeExploreState, encodeExploreState, exploreParamsOf } from "../../features/sources/utils/explore-url";
import { draftProblem, toExportQuery, type QueryDraft } from "../../features/sources/utils/query-draft";
import { isApiError } from "../../lib/api-client";
import { browserTimeZone } from "../../lib/export-request";
import { useDebouncedValue } from "../../lib/use-debounced-value";
import { useThrottledCallback } from "../../lib/use-throttled-callback";
import { routeHref } from "../navigation";

const HISTORY_HREF = routeHref({ page: "history" });
/** The preview's queries (the panel's and the granularity hint's share one): what Live re-reads. */
const PREVIEW_KEY = ["export-series", "preview"];
/** How often Live re-reads the chart when no update comes, so a range that ends now keeps moving. */
const SLIDE_MS = 30_000;
const TEMPLATES_HREF = routeHref({ page: "templates" });
const DESTINATIONS_HREF = routeHref({ page: "destinations" });
const scheduleHref = (template: string) => routeHref({ page: "schedules", template });

export function ExplorePage() {
  const sources = useSources();
  if (sources.isPending) {
    return (
      <p className="page-message" role="status">
        Loading sources…
      </p>
    );
  }
  if (sources.isError) {
    return (
      <div className="page-message">
        {isApiError(sources.error) ? <ProblemAlert error={sources.error} /> : <p role="alert">{sources.error.message}</p>}
        <Button onClick={() => void sources.refetch()}>Try again</Button>
      </div>
    );
  }
  if (sources.data.length === 0) return <p className="page-message">There are no sources to export yet.</p>;
  return <Explorer sources={sources.data} />;
}

function Explorer({ sources }: { sources: Source[] }) {
  // The state lives in the address ("#/explore?source=…&metrics=…"): a reload keeps it and a link shares it.
  const [initial] = useState(() => decodeExploreState(exploreParamsOf(window.location.hash), sources, browserTimeZone()));
  const [draft, setDraft] = useState<QueryDraft>(initial.draft);
  const [timezone, setTimezone] = useState(initial.timezone);
  const [dialogOpen, setDialogOpen] = useState(false);
  const [rangeProblem, setRangeProblem] = useState<string | undefined>();
  const source = sources.find((candidate) => candidate.name === draft.source) ?? sources[0]!;

  // Live: the source's new rows over its stream (the session is the credential). Each update re-reads the preview, at
  // most once a second, so the chart stays the server's answer to the query (its aggregation, filters and buckets)
  // instead of points drawn by the page. Only a range that ends now moves, so Live needs a "last …" range.
  const [live, setLive] = useState(initial.live === true);
  const [liveAttempt, setLiveAttempt] = useState(0);
  const [liveNote, setLiveNote] = useState<string | undefined>();
  const queryClient = useQueryClient();
  // A read already under way may have started before the commit: the update is owed a read that starts after it, once
  // that one settles (cancelling it instead would starve a slow chart under steady updates).
  const previewFetching = useIsFetching({ queryKey: PREVIEW_KEY }) > 0;
  const owedRead = useRef(false);
  const rereadPreview = useCallback(() => {
    if (queryClient.isFetching({ queryKey: PREVIEW_KEY }) > 0) owedRead.current = true;
    else void queryClient.invalidateQueries({ queryKey: PREVIEW_KEY });
  }, [queryClient]);
  useEffect(() => {
    if (previewFetching || !owedRead.current) return;
    owedRead.current = false;
    rereadPreview();
  }, [previewFetching, rereadPreview]);
  const refreshPreview = useThrottledCallback(rereadPreview, 1000);
  // With no new data the range still moves ("last 1h" ends now): re-read now and then, so old points leave the chart.
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(refreshPreview, SLIDE_MS);
    return () => clearInterval(timer);
  }, [live, refreshPreview]);
  const follows = "last" in draft.timeframe;
  const feed = useLiveFeed(live ? source.name : undefined, refreshPreview, liveAttempt);
  useEffect(() => {
    if (live && !follows) {
      setLive(false);
      setLiveNote("Live is off: a fixed range does not move. Choose a “Last …” range and turn Live on again.");
    }
  }, [live, follows]);
  const toggleLive = () => {
    if (live) {
      setLive(false);
      setLiveNote(undefined);
      return;
    }
    if (follows) setLiveNote(undefined);
    else {
      setDraft({ ...draft, timeframe: { last: "1h" } });
      setLiveNote("Live follows a range that ends now, so the range is now the last hour.");
    }
    setLiveAttempt((n) => n + 1);
    setLive(true);
  };

  const address = useMemo(() => encodeExploreState({ draft, timezone, live }, source).toString(), [draft, timezone, live, source]);
  useEffect(() => {
    const next = `#/explore?${address}`;
    if (window.location.hash !== next) window.history.replaceState(window.history.state, "", next);
  }, [address]);

  const problem = rangeProblem ?? draftProblem(draft, source);
  const query = problem ? undefined : toExportQuery(draft, source, timezone);
  const debounced = useDebouncedValue(query, 300);
  // Until the debounce catches up with a change of source, the last preview is another source's: never show it under
  // this source's title (its rows and chart would be mistaken for this one's).
  const previewQuery = debounced && query && debounced.source !== query.source ? undefined : debounced;
  const previewRequest = previewQuery ? { ...previewQuery, format: "csv" as const } : undefined;
  // The same query as the preview panel's (shared cache): the bucket auto chose, for the granularity field.
  const preview = usePreviewSeries(previewRequest, CHART_WIDTH);
  const autoBucket = draft.granularity === "auto" && !preview.isPlaceholderData ? preview.data?.granularity : undefined;

  return (
    <div className="explore">
      {/* Title, range and Export come first in the document, so on a phone they are above the query form; on a wide
          screen the grid places the form to the left of them. */}
      <div className="toolbar explore-toolbar">
        <h1 id="explore-title" className="page-title">
          {source.name}
          <span className="kind-badge">{source.kind}</span>
        </h1>
        <div className="toolbar-actions">
          <Button
            className="live-toggle"
            aria-pressed={live}
            onClick={toggleLive}
            title={live ? "Stop following new data" : "Follow this source's new data as it arrives"}
          >
            <span className={`live-dot live-dot-${live ? feed.status : "off"}`} aria-hidden="true" />
            Live
          </Button>
          <TimeRangePicker
            value={draft.timeframe}
            onChange={(timeframe) => setDraft({ ...draft, timeframe })}
            onProblemChange={setRangeProblem}
          />
          <QuickExportMenu query={query} onMoreOptions={() => setDialogOpen(true)} historyHref={HISTORY_HREF} />
        </div>
      </div>

      <aside className="sidebar card explore-query" aria-label="Query">
        <div className="stack">
          <QueryBuilder sources={sources} source={source} draft={draft} onChange={setDraft} autoBucket={autoBucket} />
          <TimeZonePicker id="explore-timezone" label="Time zone" value={timezone} onChange={setTimezone} />
        </div>
      </aside>

      <section className="content explore-preview" aria-labelledby="explore-title">
        {live && <LiveFeedPanel feed={feed} note={liveNote} onRetry={() => setLiveAttempt((n) => n + 1)} />}
        {!live && liveNote && (
          <p className="muted" role="status">
            {liveNote}
          </p>
        )}
        <div className="card">
          <SeriesPreviewPanel
            request={previewRequest}
            kind={source.kind}
            idleMessage={problem ?? (query ? "Loading preview…" : undefined)}
          />
        </div>
      </section>

      {query && (
        <ExportDialog
          open={dialogOpen}
          onClose={() => setDialogOpen(false)}
          query={query}
          kind={source.kind}
          historyHref={HISTORY_HREF}
          templatesHref={TEMPLATES_HREF}
          destinationsHref={DESTINATIONS_HREF}
          scheduleHref={scheduleHref}
        />
      )}
    </div>
  );
}
