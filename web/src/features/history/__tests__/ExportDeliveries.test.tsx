import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { deliveryJson, HOOK } from "../../../test/destinations";
import { jobJson } from "../../../test/export-jobs";
import { jsonResponse, mockFetch } from "../../../test/fetch-mock";
import { renderWithClient } from "../../../test/render";
import { HistoryView } from "../components/HistoryView";

const LIST = "GET /api/v1/exports?limit=25";
const DELIVERIES = "GET /api/v1/exports/j-mail/deliveries";

/** A completed export whose envelope names two destinations. */
const DELIVERED = jobJson({
  id: "j-mail",
  fileName: "servers-2026-11-22.csv",
  request: {
    kind: "series",
    series: { source: "servers", format: "csv" },
    format: "csv",
    delivery: { destinations: ["d-mail", "d-hook"] },
  },
});
const PLAIN = jobJson({ id: "j-plain", fileName: "servers-2026-11-21.csv" });

describe("HistoryView deliveries", () => {
  it("shows an export's deliveries when asked, and reads them again until every destination has settled", async () => {
    const mail = deliveryJson({ exportId: "j-mail" });
    const hook = deliveryJson({
      exportId: "j-mail",
      destinationId: HOOK.id,
      destinationName: HOOK.name,
      kind: "webhook",
      status: "retrying",
      attempts: 1,
      detail: null,
      lastError: "Webhook answered HTTP 503.",
      durationMs: null,
      deliveredAt: null,
    });
    const stages = [[], [mail, hook], [mail, { ...hook, status: "delivered", attempts: 2, lastError: null, detail: "HTTP 204" }]];
    let stage = 0;
    let reads = 0;
    mockFetch({
      [LIST]: () => jsonResponse({ items: [DELIVERED, PLAIN], nextCursor: null }),
      [DELIVERIES]: () => {
        reads += 1;
        return jsonResponse(stages[stage]);
      },
    });
    const user = userEvent.setup();
    renderWithClient(<HistoryView sourceDelayMs={0} deliveriesPollMs={20} />);

    const row = await screen.findByRole("row", { name: DELIVERED.fileName });
    expect(within(screen.getByRole("row", { name: PLAIN.fileName })).queryByRole("button", { name: "Deliveries" })).not.toBeInTheDocument();
    const toggle = within(row).getByRole("button", { name: "Deliveries" });
    expect(toggle).toHaveAttribute("aria-expanded", "false");
    expect(toggle).toHaveAccessibleDescription(DELIVERED.fileName);
    expect(reads).toBe(0);
    await user.click(toggle);

    expect(toggle).toHaveAttribute("aria-expanded", "true");
    // Complete, but delivery has not started: read again.
    expect(await within(row).findByText("Starting…")).toBeInTheDocument();
    await waitFor(() => expect(reads).toBeGreaterThanOrEqual(3));

    stage = 1;
    const list = await within(row).findByRole("list", { name: `Deliveries of ${DELIVERED.fileName}` });
    await waitFor(() => expect(within(list).getAllByRole("listitem")).toHaveLength(2));
    const [first, second] = within(list).getAllByRole("listitem");
    expect(first).toHaveTextContent("Ops inbox Delivered");
    expect(first).toHaveTextContent("sent to ops@example.com, oncall@example.com with the file attached");
    expect(second).toHaveTextContent("Reports hook Retrying");
    expect(second).toHaveTextContent("Webhook · 1 attempt");
    expect(second).toHaveTextContent("Webhook answered HTTP 503.");
    const seen = reads;
    await waitFor(() => expect(reads).toBeGreaterThanOrEqual(seen + 2));

    stage = 2;
    await waitFor(() => expect(within(row).getAllByRole("listitem")[1]).toHaveTextContent("Reports hook Delivered"));
    expect(within(row).getAllByRole("listitem")[1]).toHaveTextContent("HTTP 204");
    expect(within(row).getAllByRole("listitem")[1]).not.toHaveTextContent("HTTP 503");

    // Settled: ten poll intervals pass without another read.
    const settled = reads;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(reads).toBe(settled);

    await user.click(toggle);
    expect(within(row).queryByRole("list", { name: `Deliveries of ${DELIVERED.fileName}` })).not.toBeInTheDocument();
  });
});
