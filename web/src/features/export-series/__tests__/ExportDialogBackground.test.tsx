import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { mockEventSource } from "../../../test/event-source";
import { runningJobJson } from "../../../test/export-jobs";
import { HOOK, OPS_MAIL } from "../../../test/destinations";
import { captureDownloads, jsonResponse, mockFetch, problemResponse } from "../../../test/fetch-mock";
import { serversPreview, serversQuery } from "../../../test/fixtures";
import { renderWithClient } from "../../../test/render";
import { ExportDialog } from "../components/ExportDialog";

const PREVIEW = "POST /api/v1/exports/series/preview";
const SUBMIT = "POST /api/v1/exports";
const SYNC = "POST /api/v1/exports/series/direct";
const DESTINATIONS = "GET /api/v1/destinations";

const FILE = "servers-20261023-0000-20261122-0000.csv";
const PENDING = runningJobJson({
  id: "j-bg",
  fileName: FILE,
  status: "pending",
  phase: "queued",
  percent: null,
  rowsWritten: 0,
  bytesWritten: 0,
  startedAt: null,
  updatedAt: "2026-11-22T10:00:00+00:00",
});

/** The job `seconds` after it was queued, with `changes`. */
function jobAt(seconds: number, changes: Record<string, unknown>) {
  return { ...PENDING, updatedAt: new Date(Date.parse("2026-11-22T10:00:00Z") + seconds * 1000).toISOString(), ...changes };
}

const COMPLETED = jobAt(9, {
  status: "completed",
  phase: "done",
  percent: 100,
  rowsWritten: 2_160_000,
  rowCount: 2_160_000,
  bytesWritten: 136_314_880,
  sizeBytes: 136_314_880,
  completedAt: "2026-11-22T10:00:09+00:00",
});

async function openDelivery() {
  const user = userEvent.setup();
  renderWithClient(
    <ExportDialog open onClose={vi.fn()} query={serversQuery} kind="timeseries" previewDelayMs={0} historyHref="#/history" />,
  );
  const dialog = screen.getByRole("dialog", { name: "Export data" });
  for (let step = 0; step < 3; step++) await user.click(within(dialog).getByRole("button", { name: "Next" }));
  expect(screen.getByRole("heading", { name: "Step 4 of 4: Delivery" })).toHaveFocus();
  return { user, dialog };
}

describe("ExportDialog in the background", () => {
  it("posts the envelope to /api/v1/exports, shows the job's live progress, then a notice with Download and History links", async () => {
    const sources = mockEventSource();
    const requests = mockFetch({
      [PREVIEW]: () => jsonResponse(serversPreview),
      [DESTINATIONS]: () => jsonResponse([]),
      [SUBMIT]: () => jsonResponse(PENDING, 202),
    });
    const { user, dialog } = await openDelivery();

    await user.click(within(dialog).getByRole("checkbox", { name: "Run in background" }));
    expect(within(dialog).getByText(/^In the background:/)).toBeInTheDocument();
    await user.click(within(dialog).getByRole("button", { name: "Start export" }));

    const bar = await within(dialog).findByRole("progressbar", { name: `Progress of ${FILE}` });
    expect(bar).not.toHaveAttribute("value"); // queued: no estimate measured yet
    const submits = requests.filter((request) => request.url === "/api/v1/exports");
    expect(submits).toHaveLength(1);
    expect(submits[0]!.body).toEqual({
      kind: "series",
      series: expect.objectContaining({
        source: "servers",
        metrics: ["cpu_percent"],
        timeframe: { last: "24h" },
        timezone: "Europe/Berlin",
        granularity: "1h",
        filter: { field: "region", op: "eq", value: "eu-west" },
        shape: "long",
        format: "csv",
        formatOptions: expect.objectContaining({ delimiter: ",", header: "on" }),
        compression: "none",
      }),
      format: "csv",
      compression: "none",
    });
    expect((submits[0]!.init.headers as Record<string, string>)["Idempotency-Key"]).toMatch(/^[0-9a-f-]{32,36}$/);
    expect(requests.some((request) => request.url === "/api/v1/exports/series")).toBe(false);
    expect(within(dialog).getByRole("checkbox", { name: "Run in background" })).toBeDisabled();
    expect(within(dialog).getByRole("link", { name: "History page" })).toHaveAttribute("href", "#/history");

    expect(sources.map((source) => source.url)).toEqual(["/api/v1/exports/j-bg/events"]);
    sources[0]!.emit("state", jobAt(1, { status: "processing", phase: "writing", percent: 10, rowsWritten: 216_000 }));
    await waitFor(() => expect(bar).toHaveAttribute("value", "10"));
    sources[0]!.emit("progress", jobAt(2, { status: "processing", phase: "writing", percent: 40, rowsWritten: 864_000 }));
    await waitFor(() => expect(bar).toHaveAttribute("value", "40"));
    expect(within(dialog).getByText(/^40% · 864,000 of about 2,160,000 rows/)).toBeInTheDocument();

    sources[0]!.emit("state", COMPLETED);

    const notice = await within(dialog).findByText(/^Export ready:/);
    expect(notice).toHaveTextContent(`Export ready: ${FILE} (130 MB, 2,160,000 rows).`);
    expect(notice.closest("[role=status]")).not.toBeNull();
    expect(within(dialog).getByRole("link", { name: "Download" })).toHaveAttribute("href", "/api/v1/exports/j-bg/download");
    expect(within(dialog).getByRole("link", { name: "Open History" })).toHaveAttribute("href", "#/history");
    expect(within(dialog).queryByRole("progressbar")).not.toBeInTheDocument();
    expect(sources[0]!.closed).toBe(true);
    expect(within(dialog).getByRole("button", { name: "Done" })).toBeInTheDocument();
  });

  it("delivers a background export's file to the destinations ticked under “Deliver to”", async () => {
    mockEventSource();
    const requests = mockFetch({
      [PREVIEW]: () => jsonResponse(serversPreview),
      [DESTINATIONS]: () => jsonResponse([OPS_MAIL, HOOK]),
      [SUBMIT]: () => jsonResponse(PENDING, 202),
    });
    const { user, dialog } = await openDelivery();

    // Only a background export is delivered: the choice (and the list) wait until it is chosen.
    expect(within(dialog).queryByRole("group", { name: "Deliver to" })).not.toBeInTheDocument();
    expect(requests.some((request) => request.url === "/api/v1/destinations")).toBe(false);
    await user.click(within(dialog).getByRole("checkbox", { name: "Run in background" }));
    const deliverTo = await within(dialog).findByRole("group", { name: "Deliver to" });
    await within(deliverTo).findByRole("checkbox", { name: "Ops inbox" });
    await user.click(within(deliverTo).getByRole("checkbox", { name: "Reports hook" }));
    await user.click(within(dialog).getByRole("button", { name: "Start export" }));

    await within(dialog).findByRole("progressbar", { name: `Progress of ${FILE}` });
    const submits = requests.filter((request) => request.url === "/api/v1/exports");
    expect(submits).toHaveLength(1);
    expect(submits[0]!.body).toEqual({
      kind: "series",
      series: expect.objectContaining({ source: "servers", format: "csv" }),
      format: "csv",
      compression: "none",
      delivery: { destinations: ["d-hook"] },
    });
    expect(within(deliverTo).getByRole("checkbox", { name: "Reports hook" })).toBeDisabled();
    expect(within(deliverTo).getByRole("checkbox", { name: "Reports hook" })).toBeChecked();
  });

  it("follows a large download the server moved to the background instead of saving its answer as a file", async () => {
    const sources = mockEventSource();
    const reason =
      "This export is estimated at 130 MB, above the 100 MB streamed directly; it runs in the background. Follow it at /api/v1/exports/j-bg.";
    const requests = mockFetch({
      [PREVIEW]: () => jsonResponse(serversPreview),
      [DESTINATIONS]: () => jsonResponse([]),
      [SYNC]: () => jsonResponse({ background: true, reason, job: PENDING }, 202),
    });
    const saved = captureDownloads();
    const { user, dialog } = await openDelivery();

    await user.click(within(dialog).getByRole("button", { name: "Start download" }));

    // The API path meant for REST clients is left out: the notice links History instead.
    expect(
      await within(dialog).findByText("This export is estimated at 130 MB, above the 100 MB streamed directly; it runs in the background."),
    ).toBeInTheDocument();
    expect(within(dialog).queryByText(/Follow it at/)).not.toBeInTheDocument();
    expect(within(dialog).getByRole("progressbar", { name: `Progress of ${FILE}` })).toBeInTheDocument();
    expect(within(dialog).queryByText(/^Downloaded|Your browser is downloading/)).not.toBeInTheDocument();
    expect(sources.map((source) => source.url)).toEqual(["/api/v1/exports/j-bg/events"]);

    sources[0]!.emit("state", COMPLETED);

    expect(await within(dialog).findByRole("link", { name: "Download" })).toHaveAttribute("href", "/api/v1/exports/j-bg/download");
    expect(saved).toHaveLength(0);
    expect(requests.map((request) => `${request.method} ${request.url}`)).not.toContain(SUBMIT);
  });

  it("shows the error of a background export that failed", async () => {
    const sources = mockEventSource();
    mockFetch({
      [PREVIEW]: () => jsonResponse(serversPreview),
      [DESTINATIONS]: () => jsonResponse([]),
      [SUBMIT]: () => jsonResponse(PENDING, 202),
    });
    const { user, dialog } = await openDelivery();

    await user.click(within(dialog).getByRole("checkbox", { name: "Run in background" }));
    await user.click(within(dialog).getByRole("button", { name: "Start export" }));
    await within(dialog).findByRole("progressbar", { name: `Progress of ${FILE}` });
    sources[0]!.emit("state", jobAt(3, { status: "failed", phase: "done", error: "The artifact store is full." }));

    const alert = await within(dialog).findByRole("alert");
    expect(alert).toHaveTextContent("The export failed");
    expect(alert).toHaveTextContent("The artifact store is full.");
    expect(within(dialog).queryByRole("link", { name: "Download" })).not.toBeInTheDocument();
  });

  it("leads a field error of the envelope back to the step that owns the field", async () => {
    mockEventSource();
    mockFetch({
      [PREVIEW]: () => jsonResponse(serversPreview),
      [DESTINATIONS]: () => jsonResponse([]),
      [SUBMIT]: () =>
        problemResponse({
          status: 400,
          title: "The request is not valid",
          errors: { "series.formatOptions.delimiter": ["The delimiter cannot be the decimal separator."] },
        }),
    });
    const { user, dialog } = await openDelivery();

    await user.click(within(dialog).getByRole("checkbox", { name: "Run in background" }));
    await user.click(within(dialog).getByRole("button", { name: "Start export" }));

    const alert = await within(dialog).findByRole("alert");
    expect(alert).toHaveTextContent("formatOptions.delimiter: The delimiter cannot be the decimal separator.");
    await user.click(within(alert).getByRole("button", { name: "Fix in Format options" }));
    expect(screen.getByLabelText("Delimiter")).toHaveAccessibleDescription("The delimiter cannot be the decimal separator.");
  });

  it("sends the same Idempotency-Key when the same export is tried again after a refusal", async () => {
    mockEventSource();
    let attempts = 0;
    const requests = mockFetch({
      [PREVIEW]: () => jsonResponse(serversPreview),
      [DESTINATIONS]: () => jsonResponse([]),
      [SUBMIT]: () =>
        ++attempts === 1
          ? problemResponse({
              status: 429,
              title: "Too many exports running",
              detail: "You have 4 exports queued or running (the limit is 4); start this one when one finishes, or cancel one.",
            })
          : jsonResponse(PENDING, 202),
    });
    const { user, dialog } = await openDelivery();

    await user.click(within(dialog).getByRole("checkbox", { name: "Run in background" }));
    await user.click(within(dialog).getByRole("button", { name: "Start export" }));
    expect(await within(dialog).findByRole("alert")).toHaveTextContent("Too many exports running");
    await user.click(within(dialog).getByRole("button", { name: "Try again" }));

    expect(await within(dialog).findByRole("progressbar", { name: `Progress of ${FILE}` })).toBeInTheDocument();
    expect(within(dialog).queryByRole("alert")).not.toBeInTheDocument();
    const keys = requests
      .filter((request) => request.url === "/api/v1/exports")
      .map((request) => (request.init.headers as Record<string, string>)["Idempotency-Key"]);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBeTruthy();
    expect(keys[1]).toBe(keys[0]);
  });
});
