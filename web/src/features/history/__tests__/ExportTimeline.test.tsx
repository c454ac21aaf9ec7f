import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { formatInstant } from "../../../lib/format";
import { jobJson } from "../../../test/export-jobs";
import { jsonResponse, mockFetch, problemResponse } from "../../../test/fetch-mock";
import { renderWithClient } from "../../../test/render";
import { HistoryView } from "../components/HistoryView";

const LIST = "GET /api/v1/exports?limit=25";
const NODE_A = "exports-a:4120:9f3c1d";
const NODE_B = "exports-b:3877:0a6e52";

/** A completed export that was retried once, then taken over by another node when the first one went away. */
const RECOVERED = jobJson({
  id: "j-recovered",
  fileName: "servers-2026-11-22.csv",
  attempts: 2,
  node: NODE_B,
  rowCount: 3000,
  sizeBytes: 122_880,
});
/** A direct download: it has no event stream, so the server reconstructs its steps from the record. */
const DIRECT = jobJson({ id: "j-direct", fileName: "servers-direct.csv", direct: true });

const RECOVERED_TIMELINE = [
  { type: "queued", at: "2026-11-22T10:00:00+00:00" },
  { type: "started", at: "2026-11-22T10:00:01+00:00", attempt: 1, node: NODE_A },
  { type: "retrying", at: "2026-11-22T10:00:03+00:00", attempt: 1, node: NODE_A, error: "Connection reset by the series store." },
  { type: "started", at: "2026-11-22T10:00:09+00:00", attempt: 2, node: NODE_B, recoveredFrom: NODE_A },
  { type: "cancelRequested", at: "2026-11-22T10:00:10+00:00", by: "ana@example.com" },
  { type: "completed", at: "2026-11-22T10:00:14+00:00", node: NODE_B, rows: 3000, bytes: 122_880 },
];

async function openTimeline(fileName: string) {
  const user = userEvent.setup();
  const row = await screen.findByRole("row", { name: fileName });
  const toggle = within(row).getByRole("button", { name: "Timeline" });
  expect(toggle).toHaveAttribute("aria-expanded", "false");
  expect(toggle).toHaveAccessibleDescription(fileName);
  await user.click(toggle);
  expect(toggle).toHaveAttribute("aria-expanded", "true");
  return { row, toggle, user };
}

describe("HistoryView timeline", () => {
  it("lists an export's steps oldest first, with its retry and the node that took it over, when asked", async () => {
    let reads = 0;
    mockFetch({
      [LIST]: () => jsonResponse({ items: [RECOVERED], nextCursor: null }),
      "GET /api/v1/exports/j-recovered/timeline": () => {
        reads += 1;
        return jsonResponse(RECOVERED_TIMELINE);
      },
    });
    renderWithClient(<HistoryView sourceDelayMs={0} />);

    await screen.findByRole("row", { name: RECOVERED.fileName });
    expect(reads).toBe(0);
    const { row, toggle, user } = await openTimeline(RECOVERED.fileName);

    const list = await within(row).findByRole("list", { name: `Timeline of ${RECOVERED.fileName}` });
    const steps = within(list).getAllByRole("listitem");
    expect(steps.map((step) => step.querySelector(".delivery-detail")?.textContent)).toEqual([
      "Queued",
      `Started (on node ${NODE_A})`,
      "Retrying: Connection reset by the series store.",
      `Started (attempt 2, on node ${NODE_B}, taken over from ${NODE_A})`,
      "Cancellation requested by ana@example.com",
      "Completed: 3,000 rows, 120 KB",
    ]);
    // Each step's time, in the browser's zone as the rest of the view shows times.
    RECOVERED_TIMELINE.forEach((event, index) => {
      const time = steps[index]!.querySelector("time");
      expect(time).toHaveAttribute("dateTime", event.at);
      expect(time).toHaveTextContent(formatInstant(event.at));
    });
    expect(list).not.toHaveTextContent("reconstructed from the record");
    expect(reads).toBe(1);

    await user.click(toggle);
    expect(within(row).queryByRole("list", { name: `Timeline of ${RECOVERED.fileName}` })).not.toBeInTheDocument();
  });

  it("says which steps were reconstructed from the record", async () => {
    mockFetch({
      [LIST]: () => jsonResponse({ items: [DIRECT], nextCursor: null }),
      "GET /api/v1/exports/j-direct/timeline": () =>
        jsonResponse([
          { type: "queued", at: "2026-11-22T10:00:00+00:00", synthesized: true },
          { type: "cancelled", at: "2026-11-22T10:00:04+00:00", by: "ana@example.com", synthesized: true },
          { type: "expired", at: "2026-11-23T10:00:00+00:00" },
        ]),
    });
    renderWithClient(<HistoryView sourceDelayMs={0} />);

    const { row } = await openTimeline(DIRECT.fileName);
    const list = await within(row).findByRole("list", { name: `Timeline of ${DIRECT.fileName}` });
    const [queued, cancelled, expired] = within(list).getAllByRole("listitem");
    expect(queued).toHaveTextContent("Queued");
    expect(queued).toHaveTextContent("reconstructed from the record");
    expect(cancelled).toHaveTextContent("Cancelled by ana@example.com");
    expect(cancelled).toHaveTextContent("reconstructed from the record");
    expect(expired).toHaveTextContent("Expired");
    expect(expired).not.toHaveTextContent("reconstructed from the record");
  });

  it("shows why the timeline could not be read", async () => {
    mockFetch({
      [LIST]: () => jsonResponse({ items: [RECOVERED], nextCursor: null }),
      "GET /api/v1/exports/j-recovered/timeline": () =>
        problemResponse({ status: 404, title: "Not Found", detail: "No export j-recovered." }),
    });
    renderWithClient(<HistoryView sourceDelayMs={0} />);

    const { row } = await openTimeline(RECOVERED.fileName);
    expect(await within(row).findByRole("alert")).toHaveTextContent("Not Found: No export j-recovered.");
    expect(within(row).queryByRole("list", { name: `Timeline of ${RECOVERED.fileName}` })).not.toBeInTheDocument();
  });
});
