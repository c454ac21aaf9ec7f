import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ExplorePage } from "../../../app/routes/ExplorePage";
import { FakeEventSource, mockEventSource } from "../../../test/event-source";
import { jsonResponse, mockFetch, problemResponse, type RecordedRequest } from "../../../test/fetch-mock";
import { serversPreview } from "../../../test/fixtures";
import { renderWithClient } from "../../../test/render";
import { demoSources } from "../../../test/sources";
import { parseKeepingNumbers, toLiveRow } from "../api/live-source";

vi.mock("uplot", () => ({
  default: class {
    static tzDate = (date: Date) => date;
    setSize() {}
    destroy() {}
  },
}));

const PREVIEW = "POST /api/v1/exports/series/preview?chartWidth=800";
const STREAM = "/api/v1/sources/servers/stream";

function setup(address: string, stream?: () => Response) {
  window.history.replaceState(null, "", address);
  vi.stubGlobal("ResizeObserver", class { observe() {} disconnect() {} });
  const sources = mockEventSource();
  const requests = mockFetch({
    "GET /api/v1/sources": () => jsonResponse(demoSources),
    [PREVIEW]: () => jsonResponse(serversPreview),
    ...(stream ? { [`GET ${STREAM}`]: stream } : {}),
  });
  renderWithClient(<ExplorePage />);
  return { sources, requests, user: userEvent.setup() };
}

const previews = (requests: RecordedRequest[]) => requests.filter((r) => `${r.method} ${r.url}` === PREVIEW);

function batch(seq: number, rows: unknown[]) {
  return { seq, committedAt: `2026-11-30T12:00:0${seq}.123456Z`, rowCount: rows.length, rows };
}

describe("Explore's Live toggle", () => {
  beforeEach(() => vi.useRealTimers());
  afterEach(() => vi.unstubAllGlobals());

  it("follows the source's stream with the session (no token), lists the rows exactly as sent, and re-reads the chart at most once a second", async () => {
    const { sources, requests, user } = setup("/#/explore?source=servers&metrics=cpu_percent&last=6h");
    const toggle = await screen.findByRole("button", { name: "Live" });
    await waitFor(() => expect(previews(requests)).toHaveLength(1));
    expect(toggle).toHaveAttribute("aria-pressed", "false");
    expect(sources).toHaveLength(0);

    await user.click(toggle);
    expect(toggle).toHaveAttribute("aria-pressed", "true");
    expect(sources).toHaveLength(1);
    expect(sources[0]!.url).toBe(STREAM);
    expect(window.location.hash).toContain("live=1");
    expect(window.location.hash).toContain("last=6h");
    const panel = screen.getByRole("region", { name: "Live" });
    expect(within(panel).getByRole("status")).toHaveTextContent("Connecting…");
    sources[0]!.emitOpen();
    expect(within(panel).getByRole("status")).toHaveTextContent("Live: waiting for new data.");
    // Opening re-reads the chart: what was committed before the stream started is in the stored data.
    await waitFor(() => expect(previews(requests)).toHaveLength(2));
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the once-a-second limit

    sources[0]!.emit("message", batch(1, [
      { metric: "cpu_percent", tags: { server: "web-01" }, ts: "2026-11-30T12:00:00.000457Z", value: 41.123456789012 },
      { metric: "cpu_percent", tags: { server: "web-02" }, ts: "2026-11-30T12:00:00.5Z", value: null },
    ]));
    // Only the connection's state is announced; the counts are plain text beside it.
    expect(within(panel).getByRole("status")).toHaveTextContent(/^Live\.$/);
    expect(within(panel).getByText("1 update, 2 rows received; last committed 2026-11-30T12:00:01.123456Z.")).not.toHaveAttribute("role");
    const rows = within(within(panel).getByRole("table")).getAllByRole("row");
    expect(rows.map((row) => row.textContent)).toEqual([
      "Time (UTC)ValueSeries or id",
      "2026-11-30T12:00:00.5Znullcpu_percent {server=web-02}",
      "2026-11-30T12:00:00.000457Z41.123456789012cpu_percent {server=web-01}",
    ]);
    // The first update re-reads the chart at once; the next ones within the second fold into one more read.
    await waitFor(() => expect(previews(requests)).toHaveLength(3));
    // Three updates at once are never three reads: at most one at once (if a second has passed since the last) and one
    // at the end of the second.
    sources[0]!.emit("message", batch(2, [{ metric: "cpu_percent", tags: {}, ts: "2026-11-30T12:00:01Z", value: 1 }]));
    sources[0]!.emit("message", batch(3, [{ metric: "cpu_percent", tags: {}, ts: "2026-11-30T12:00:02Z", value: 2 }]));
    sources[0]!.emit("message", batch(4, [{ metric: "cpu_percent", tags: {}, ts: "2026-11-30T12:00:03Z", value: 3 }]));
    expect(previews(requests).length).toBeLessThanOrEqual(4);
    await waitFor(() => expect(previews(requests).length).toBeGreaterThanOrEqual(4), { timeout: 2500 });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect([4, 5]).toContain(previews(requests).length);
    expect(previews(requests).at(-1)!.body).toMatchObject({ source: "servers", metrics: ["cpu_percent"], timeframe: { last: "6h" } });
    expect(within(panel).getByText(/^4 updates, 5 rows received/)).toBeInTheDocument();

    await user.click(toggle);
    expect(toggle).toHaveAttribute("aria-pressed", "false");
    expect(sources[0]!.closed).toBe(true);
    expect(screen.queryByRole("region", { name: "Live" })).not.toBeInTheDocument();
    expect(window.location.hash).not.toContain("live=1");
  });

  it("owes an update that comes while the chart is being read a new read once that one ends (it may predate the commit)", async () => {
    window.history.replaceState(null, "", "/#/explore?source=servers&metrics=cpu_percent&last=1h");
    vi.stubGlobal("ResizeObserver", class { observe() {} disconnect() {} });
    const sources = mockEventSource();
    let release: (() => void) | undefined;
    let calls = 0;
    const requests = mockFetch({
      "GET /api/v1/sources": () => jsonResponse(demoSources),
      [PREVIEW]: () => {
        calls += 1;
        if (calls !== 2) return jsonResponse(serversPreview);
        // The first re-read is slow: it is still under way when the next update comes.
        return new Promise<Response>((resolve) => (release = () => resolve(jsonResponse(serversPreview))));
      },
    });
    renderWithClient(<ExplorePage />);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Live" }));
    await waitFor(() => expect(previews(requests)).toHaveLength(1));
    sources[0]!.emit("message", batch(1, [{ metric: "cpu_percent", tags: {}, ts: "2026-11-30T12:00:00Z", value: 1 }]));
    await waitFor(() => expect(previews(requests)).toHaveLength(2));
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the once-a-second limit
    sources[0]!.emit("message", batch(2, [{ metric: "cpu_percent", tags: {}, ts: "2026-11-30T12:00:01Z", value: 2 }]));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(previews(requests)).toHaveLength(2); // not cancelled, not doubled
    release!();
    await waitFor(() => expect(previews(requests)).toHaveLength(3));
  });

  it("moves a fixed range to the last hour when Live starts, and stops Live when a fixed range is chosen again", async () => {
    const { sources, requests, user } = setup(
      "/#/explore?source=servers&metrics=cpu_percent&from=2026-11-01T00:00:00.000Z&to=2026-11-02T00:00:00.000Z",
    );
    await user.click(await screen.findByRole("button", { name: "Live" }));
    expect(screen.getByText("Live follows a range that ends now, so the range is now the last hour.")).toBeInTheDocument();
    expect(sources).toHaveLength(1);
    await waitFor(() => expect(previews(requests).at(-1)!.body).toMatchObject({ timeframe: { last: "1h" } }));
    expect(window.location.hash).toContain("last=1h");
    expect(window.location.hash).toContain("live=1");

    await user.click(screen.getByRole("button", { name: "Custom" }));
    expect(screen.getByRole("button", { name: "Live" })).toHaveAttribute("aria-pressed", "false");
    expect(sources[0]!.closed).toBe(true);
    expect(screen.getByText("Live is off: a fixed range does not move. Choose a “Last …” range and turn Live on again.")).toBeInTheDocument();
    expect(window.location.hash).not.toContain("live=1");
  });

  it("starts live from an address that says so, but never with a fixed range", async () => {
    const first = setup("/#/explore?source=servers&metrics=cpu_percent&last=1h&live=1");
    expect(await screen.findByRole("button", { name: "Live" })).toHaveAttribute("aria-pressed", "true");
    expect(first.sources.map((s) => s.url)).toEqual([STREAM]);
  });

  it("shows why the server refused the stream, and Try again opens a new one", async () => {
    const { sources, user } = setup("/#/explore?source=servers&metrics=cpu_percent&last=1h", () =>
      problemResponse({
        status: 429,
        title: "Too many live streams",
        detail: "This token already has 10 open streams (EXPORTS_LIVE_STREAMS_PER_TOKEN = 10).",
      }),
    );
    await user.click(await screen.findByRole("button", { name: "Live" }));
    sources[0]!.readyState = FakeEventSource.CLOSED;
    sources[0]!.emitError();
    const panel = screen.getByRole("region", { name: "Live" });
    expect(await within(panel).findByText("Too many live streams")).toBeInTheDocument();
    expect(within(panel).getByText("This token already has 10 open streams (EXPORTS_LIVE_STREAMS_PER_TOKEN = 10).")).toBeInTheDocument();
    expect(within(panel).getByRole("status")).toHaveTextContent("Live stopped.");

    await user.click(within(panel).getByRole("button", { name: "Try again" }));
    expect(sources).toHaveLength(2);
    expect(sources[0]!.closed).toBe(true);
    expect(within(panel).queryByText("Too many live streams")).not.toBeInTheDocument();
    expect(within(panel).getByRole("status")).toHaveTextContent("Connecting…");
  });

  it("says when the connection drops, and what the stream lost meanwhile", async () => {
    const { sources, requests, user } = setup("/#/explore?source=servers&metrics=cpu_percent&last=1h");
    await user.click(await screen.findByRole("button", { name: "Live" }));
    await waitFor(() => expect(previews(requests)).toHaveLength(1));
    const panel = screen.getByRole("region", { name: "Live" });
    sources[0]!.emitOpen();
    sources[0]!.readyState = FakeEventSource.CONNECTING;
    sources[0]!.emitError();
    expect(within(panel).getByRole("status")).toHaveTextContent("Connection lost: reconnecting");
    sources[0]!.emitOpen();
    sources[0]!.emit("gap", { from: 5, to: 9 });
    expect(within(panel).getByText(/updates 5–9 aged out of the live log/)).toBeInTheDocument();
    // A gap re-reads the chart from the stored data.
    await waitFor(() => expect(previews(requests)).toHaveLength(2));
  });
});

describe("Explore's Live toggle, continued", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("says when a resumed stream may have missed rows, and re-reads the chart", async () => {
    const { sources, requests, user } = setup("/#/explore?source=servers&metrics=cpu_percent&last=1h");
    await user.click(await screen.findByRole("button", { name: "Live" }));
    await waitFor(() => expect(previews(requests)).toHaveLength(1));
    const panel = screen.getByRole("region", { name: "Live" });
    sources[0]!.emit("resync", { lastEventId: 12 });
    expect(within(panel).getByText(/rows committed meanwhile may be missing from this list/)).toBeInTheDocument();
    await waitFor(() => expect(previews(requests)).toHaveLength(2));
  });

  it("never shows the previous source's rows under another source", async () => {
    const { sources, user } = setup("/#/explore?source=servers&metrics=cpu_percent&last=1h");
    await user.click(await screen.findByRole("button", { name: "Live" }));
    sources[0]!.emit("message", batch(1, [{ metric: "cpu_percent", tags: { server: "web-01" }, ts: "2026-11-30T12:00:00Z", value: 5 }]));
    const panel = screen.getByRole("region", { name: "Live" });
    expect(within(panel).getByText("cpu_percent {server=web-01}")).toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText("Source"), "agent-commands");
    expect(sources).toHaveLength(2);
    expect(sources[0]!.closed).toBe(true);
    expect(sources[1]!.url).toBe("/api/v1/sources/agent-commands/stream");
    expect(within(screen.getByRole("region", { name: "Live" })).queryByText("cpu_percent {server=web-01}")).not.toBeInTheDocument();
    expect(within(screen.getByRole("region", { name: "Live" })).getByRole("status")).toHaveTextContent("Connecting…");
  });

  it("keeps the chart it has when a re-read fails, and says so", async () => {
    window.history.replaceState(null, "", "/#/explore?source=servers&metrics=cpu_percent&last=1h");
    vi.stubGlobal("ResizeObserver", class { observe() {} disconnect() {} });
    const sources = mockEventSource();
    let calls = 0;
    mockFetch({
      "GET /api/v1/sources": () => jsonResponse(demoSources),
      [PREVIEW]: () => (++calls === 1 ? jsonResponse(serversPreview) : problemResponse({ status: 503, title: "The server is busy", detail: "Try again in a moment." })),
    });
    renderWithClient(<ExplorePage />);
    const user = userEvent.setup();
    expect(await screen.findByText("Estimated rows")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Live" }));
    sources[0]!.emit("message", batch(1, [{ metric: "cpu_percent", tags: {}, ts: "2026-11-30T12:00:00Z", value: 1 }]));
    expect(await screen.findByText(/This preview could not be re-read \(The server is busy: Try again in a moment\.\); it shows the last answer\./)).toBeInTheDocument();
    expect(screen.getByText("Estimated rows").nextElementSibling).toHaveTextContent(String(serversPreview.estimatedRows));
  });
});

describe("parseKeepingNumbers", () => {
  it("keeps every number's text, in fields, arrays and tags, and leaves strings alone", () => {
    const text = '{"rows":[{"id":"a-1","timestamp":"2026-01-01T00:00:00.000001Z","big":12345678901234567890123,"xs":[1e+21,-0.5,1000000000000000000000],"s":"7 \\"quoted\\" 8","t":true,"n":null}]}';
    const parsed = parseKeepingNumbers(text) as { rows: Record<string, unknown>[] };
    expect(toLiveRow(parsed.rows[0]!, 1, 0)).toEqual({
      key: "1:0",
      time: "2026-01-01T00:00:00.000001Z",
      what: "a-1",
      value: 'big=12345678901234567890123, xs=[1e+21,-0.5,1000000000000000000000], s=7 "quoted" 8, t=true, n=null',
    });
  });
});

describe("toLiveRow", () => {
  it("shows a point's metric and tags and a record's id and fields, with values as JSON wrote them", () => {
    expect(toLiveRow({ metric: "m", tags: { a: "x", b: "y" }, ts: "2026-01-01T00:00:00.000001Z", value: 0.1 }, 7, 0)).toEqual({
      key: "7:0",
      time: "2026-01-01T00:00:00.000001Z",
      what: "m {a=x, b=y}",
      value: "0.1",
    });
    expect(toLiveRow({ id: "r-1", timestamp: "2026-01-01T00:00:00Z", agent: "a1", took_ms: 12, tags: ["x", "y"] }, 8, 3)).toEqual({
      key: "8:3",
      time: "2026-01-01T00:00:00Z",
      what: "r-1",
      value: 'agent=a1, took_ms=12, tags=["x","y"]',
    });
  });
});
