import { ProblemAlert } from "../../../components/ui/Alert";
import { Button } from "../../../components/ui/Button";
import type { LiveFeed } from "../api/live-source";

/** The connection's state: the only part announced (role="status"), so updates do not flood a screen reader. */
function stateText(feed: LiveFeed): string {
  switch (feed.status) {
    case "connecting":
      return "Connecting…";
    case "reconnecting":
      return "Connection lost: reconnecting, and resuming after the last update received…";
    case "stopped":
      return "Live stopped.";
    case "live":
      return feed.updates === 0 ? "Live: waiting for new data." : "Live.";
  }
}

function countsText(feed: LiveFeed): string | undefined {
  if (feed.updates === 0) return undefined;
  return `${feed.updates.toLocaleString()} ${feed.updates === 1 ? "update" : "updates"}, ${feed.rows.toLocaleString()} ${feed.rows === 1 ? "row" : "rows"} received; last committed ${feed.lastCommittedAt ?? ""}.`;
}

/** What Explore's Live toggle receives: its state, why it stopped, and the newest rows exactly as they arrived. */
export function LiveFeedPanel({ feed, note, onRetry }: { feed: LiveFeed; note?: string | undefined; onRetry: () => void }) {
  return (
    <section className="card live-feed" aria-labelledby="live-feed-title">
      <div className="live-feed-head">
        <h2 id="live-feed-title" className="section-label">
          <span className={`live-dot live-dot-${feed.status}`} aria-hidden="true" />
          Live
        </h2>
        <p role="status" className="live-feed-status">
          {stateText(feed)}
        </p>
        {countsText(feed) && <p className="live-feed-counts">{countsText(feed)}</p>}
      </div>
      {note && <p className="muted">{note}</p>}
      {feed.notice && <p className="live-feed-notice">{feed.notice}</p>}
      {feed.problem && (
        <ProblemAlert error={feed.problem}>
          <Button size="sm" onClick={onRetry}>
            Try again
          </Button>
        </ProblemAlert>
      )}
      {/* Value beside the time, so a phone shows both before the table scrolls sideways. */}
      {feed.latest.length > 0 ? (
        <div className="table-scroll" tabIndex={0} role="region" aria-label="Newest rows received">
          <table className="table">
            <caption className="sr-only">Newest rows received, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Time (UTC)</th>
                <th scope="col">Value</th>
                <th scope="col">Series or id</th>
              </tr>
            </thead>
            <tbody>
              {feed.latest.map((row) => (
                <tr key={row.key}>
                  <td className="live-time">{row.time}</td>
                  <td className="num">{row.value}</td>
                  <td>{row.what}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        feed.status !== "stopped" && (
          <p className="muted">
            New rows of this source appear here as they are ingested (every metric and tag), and the chart below re-reads
            its range, at most once a second, so it still shows what the stored data says.
          </p>
        )
      )}
    </section>
  );
}
