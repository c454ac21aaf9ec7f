import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { mockEventSource } from "../../../test/event-source";
import { jobJson, runningJobJson, type JobJson } from "../../../test/export-jobs";
import { jsonResponse, mockFetch, problemResponse } from "../../../test/fetch-mock";
import { renderWithClient } from "../../../test/render";
import { HistoryView } from "../components/HistoryView";

const LIST = "GET /api/v1/exports?limit=25";

const COMPLETED = jobJson({ id: "j-done", downloadCount: 2 });
const FAILED = jobJson({
  id: "j-failed",
  fileName: "agent-commands-20261115-0000-20261122-0000.jsonl",
  format: "jsonl",
  source: "agent-commands",
  status: "failed",
  error: "The query was cancelled after 300 s (statement timeout).",
  sizeBytes: null,
  rowCount: null,
  percent: null,
  expiresAt: null,
  durationMs: 300_000,
});
const RUNNING = runningJobJson({ id: "j-running" });

function page(items: JobJson[], nextCursor: string | null = null) {
  return jsonResponse({ items, nextCursor });
}

/** updatedAt `seconds` after the running job's, so each event is newer than what the row shows. */
function later(seconds: number): string {
  return new Date(Date.parse("2026-11-22T10:00:02Z") + seconds * 1000).toISOString();
}

function renderHistory() {
  return renderWithClient(<HistoryView sourceDelayMs={0} />);
}

function row(fileName: string): HTMLElement {
  return screen.getByRole("row", { name: fileName });
}

/** The row's cell under the column header `column` (the first cell is the row header). */
function cell(rowElement: HTMLElement, column: string): HTMLElement {
  const headers = screen.getAllByRole("columnheader").map((header) => header.textContent);
  const index = headers.indexOf(column);
  if (index < 0) throw new Error(`No column ${column}: ${headers.join(", ")}`);
  return rowElement.children[index] as HTMLElement;
}

describe("HistoryView", () => {
  it("lists exports with their state, format, size, rows, downloads and actions, and a failed one's error", async () => {
    const sources = mockEventSource();
    mockFetch({ [LIST]: () => page([RUNNING, COMPLETED, FAILED]) });
    renderHistory();

    expect(await screen.findByRole("row", { name: COMPLETED.fileName })).toBeInTheDocument();
    expect(screen.getAllByRole("row")).toHaveLength(4); // the header and three exports

    const done = row(COMPLETED.fileName);
    expect(cell(done, "Status")).toHaveTextContent("Completed");
    expect(cell(done, "Format")).toHaveTextContent("CSV");
    expect(cell(done, "Kind")).toHaveTextContent("Series");
    expect(cell(done, "Size")).toHaveTextContent("12 KB");
    expect(cell(done, "Rows")).toHaveTextContent("240");
    expect(cell(done, "Downloads")).toHaveTextContent("2");
    expect(cell(done, "Progress")).toHaveTextContent("Took 4.0 s");
    const download = within(done).getByRole("link", { name: "Download" });
    expect(download).toHaveAttribute("href", "/api/v1/exports/j-done/download");
    expect(download).toHaveAccessibleDescription(COMPLETED.fileName);
    for (const name of ["Copy link", "Re-run", "Delete"]) expect(within(done).getByRole("button", { name })).toBeEnabled();
    expect(within(done).queryByRole("button", { name: "Cancel" })).not.toBeInTheDocument();
    expect(within(done).queryByRole("progressbar")).not.toBeInTheDocument();

    const failed = row(FAILED.fileName);
    expect(cell(failed, "Status")).toHaveTextContent("Failed");
    expect(cell(failed, "Format")).toHaveTextContent("JSONL");
    expect(within(failed).getByText("The query was cancelled after 300 s (statement timeout).")).toBeInTheDocument();
    expect(within(failed).queryByRole("link", { name: "Download" })).not.toBeInTheDocument();
    expect(within(failed).queryByRole("button", { name: "Copy link" })).not.toBeInTheDocument();
    expect(within(failed).getByRole("button", { name: "Re-run" })).toBeInTheDocument();

    const running = row(RUNNING.fileName);
    expect(cell(running, "Status")).toHaveTextContent("Processing");
    const bar = within(running).getByRole("progressbar", { name: `Progress of ${RUNNING.fileName}` });
    expect(bar).toHaveAttribute("value", "25");
    expect(cell(running, "Progress")).toHaveTextContent("25% · 540,000 of about 2,160,000 rows");
    expect(cell(running, "Rows")).toHaveTextContent("540,000");
    expect(within(running).getByRole("button", { name: "Cancel" })).toHaveAccessibleDescription(RUNNING.fileName);
    expect(within(running).queryByRole("button", { name: "Delete" })).not.toBeInTheDocument();

    // Only the row still running follows its events.
    expect(sources.map((source) => source.url)).toEqual(["/api/v1/exports/j-running/events"]);
  });

  it("says so when there are no exports yet", async () => {
    mockFetch({ [LIST]: () => page([]) });
    renderHistory();

    expect(await screen.findByText(/No exports yet/)).toBeInTheDocument();
    expect(screen.queryByRole("table")).not.toBeInTheDocument();
  });

  it("puts status, kind, format, source and order in the query string", async () => {
    const requests = mockFetch({
      [LIST]: () => page([COMPLETED, FAILED]),
      "GET /api/v1/exports?status=failed&limit=25": () => page([FAILED]),
      "GET /api/v1/exports?status=failed&kind=series&limit=25": () => page([FAILED]),
      "GET /api/v1/exports?status=failed&kind=series&format=jsonl&limit=25": () => page([FAILED]),
      "GET /api/v1/exports?status=failed&kind=series&format=jsonl&source=agent-commands&limit=25": () => page([FAILED]),
      "GET /api/v1/exports?status=failed&kind=series&format=jsonl&source=agent-commands&sort=size&limit=25": () => page([]),
    });
    const user = userEvent.setup();
    renderHistory();
    await screen.findByRole("row", { name: COMPLETED.fileName });

    const filters = screen.getByRole("group", { name: "Filters" });
    await user.selectOptions(within(filters).getByLabelText("Status"), "Failed");
    await waitFor(() => expect(screen.queryByRole("row", { name: COMPLETED.fileName })).not.toBeInTheDocument());
    await user.selectOptions(within(filters).getByLabelText("Kind"), "Series");
    await user.selectOptions(within(filters).getByLabelText("Format"), "JSONL");
    await user.click(within(filters).getByLabelText("Source"));
    await user.paste("agent-commands");
    await waitFor(() => expect(requests).toHaveLength(5));
    await user.selectOptions(within(filters).getByLabelText("Sort by"), "Largest first");

    expect(await screen.findByText("No exports match these filters.")).toBeInTheDocument();
    expect(requests.map((request) => request.url)).toEqual([
      "/api/v1/exports?limit=25",
      "/api/v1/exports?status=failed&limit=25",
      "/api/v1/exports?status=failed&kind=series&limit=25",
      "/api/v1/exports?status=failed&kind=series&format=jsonl&limit=25",
      "/api/v1/exports?status=failed&kind=series&format=jsonl&source=agent-commands&limit=25",
      "/api/v1/exports?status=failed&kind=series&format=jsonl&source=agent-commands&sort=size&limit=25",
    ]);
  });

  it("cancels a running export and shows it cancelled once its stream says so", async () => {
    const sources = mockEventSource();
    const requests = mockFetch({
      [LIST]: () => page([RUNNING]),
      "POST /api/v1/exports/j-running/cancel": () =>
        jsonResponse({ ...RUNNING, cancelRequested: true, phase: "cancelling", updatedAt: later(1) }, 202),
    });
    const user = userEvent.setup();
    renderHistory();

    const running = await screen.findByRole("row", { name: RUNNING.fileName });
    await user.click(within(running).getByRole("button", { name: "Cancel" }));

    expect(requests.filter((request) => request.method === "POST").map((request) => request.url)).toEqual([
      "/api/v1/exports/j-running/cancel",
    ]);
    // The server takes up to a second to stop a running job: the row says it is cancelling meanwhile.
    await waitFor(() => expect(cell(running, "Progress")).toHaveTextContent("cancelling"));
    expect(within(running).getByRole("button", { name: "Cancel" })).toBeDisabled();

    sources[0]!.emit("state", { ...RUNNING, status: "cancelled", phase: "done", cancelledBy: "demo@exports.local", updatedAt: later(2) });

    await waitFor(() => expect(cell(running, "Status")).toHaveTextContent("Cancelled"));
    expect(within(running).getByText("Cancelled by demo@exports.local")).toBeInTheDocument();
    expect(within(running).queryByRole("progressbar")).not.toBeInTheDocument();
    expect(within(running).queryByRole("button", { name: "Cancel" })).not.toBeInTheDocument();
    expect(within(running).getByRole("button", { name: "Delete" })).toBeInTheDocument();
    expect(sources[0]!.closed).toBe(true);
  });

  it("shows why a cancel was refused", async () => {
    mockEventSource();
    mockFetch({
      [LIST]: () => page([RUNNING]),
      "POST /api/v1/exports/j-running/cancel": () =>
        problemResponse({ status: 409, title: "The export has already finished", detail: "It is completed." }),
      "GET /api/v1/exports/j-running": () => jsonResponse({ ...COMPLETED, id: "j-running", fileName: RUNNING.fileName, updatedAt: later(3) }),
    });
    const user = userEvent.setup();
    renderHistory();

    const running = await screen.findByRole("row", { name: RUNNING.fileName });
    await user.click(within(running).getByRole("button", { name: "Cancel" }));

    expect(await within(running).findByRole("alert")).toHaveTextContent("The export has already finished: It is completed.");
    // The row reads the job again and offers what a completed export offers.
    expect(await within(running).findByRole("link", { name: "Download" })).toBeInTheDocument();
  });

  it("loads the next page with the cursor the last one gave", async () => {
    const older = jobJson({ id: "j-older", fileName: "servers-20261101-0000-20261102-0000.csv", createdAt: "2026-11-02T00:00:00+00:00" });
    const requests = mockFetch({
      [LIST]: () => page([COMPLETED, FAILED], "Y3Vyc29yLTE"),
      "GET /api/v1/exports?limit=25&cursor=Y3Vyc29yLTE": () => page([older]),
    });
    const user = userEvent.setup();
    renderHistory();

    await screen.findByRole("row", { name: COMPLETED.fileName });
    await user.click(screen.getByRole("button", { name: "Load more" }));

    expect(await screen.findByRole("row", { name: older.fileName })).toBeInTheDocument();
    const rows = screen.getAllByRole("row").slice(1);
    expect(rows).toHaveLength(3);
    [COMPLETED, FAILED, older].forEach((job, index) => expect(rows[index]).toHaveAccessibleName(job.fileName));
    expect(screen.queryByRole("button", { name: "Load more" })).not.toBeInTheDocument();
    expect(requests.map((request) => request.url)).toEqual([
      "/api/v1/exports?limit=25",
      "/api/v1/exports?limit=25&cursor=Y3Vyc29yLTE",
    ]);
  });

  it("moves the progress bar with the export's events and stops listening at the final state", async () => {
    const sources = mockEventSource();
    mockFetch({ [LIST]: () => page([RUNNING, COMPLETED]) });
    renderHistory();

    const running = await screen.findByRole("row", { name: RUNNING.fileName });
    const bar = within(running).getByRole("progressbar", { name: `Progress of ${RUNNING.fileName}` });
    expect(bar).toHaveAttribute("value", "25");
    expect(sources).toHaveLength(1);

    sources[0]!.emit("progress", { ...RUNNING, percent: 60, rowsWritten: 1_296_000, bytesWritten: 81_600_000, updatedAt: later(1) });
    await waitFor(() => expect(bar).toHaveAttribute("value", "60"));
    expect(cell(running, "Progress")).toHaveTextContent("60% · 1,296,000 of about 2,160,000 rows");

    // An event older than what the row shows does not move it back.
    sources[0]!.emit("progress", { ...RUNNING, percent: 30, updatedAt: later(0.5) });
    expect(bar).toHaveAttribute("value", "60");

    sources[0]!.emit("state", {
      ...RUNNING,
      status: "completed",
      phase: "done",
      percent: 100,
      rowsWritten: 2_160_000,
      rowCount: 2_160_000,
      sizeBytes: 136_314_880,
      completedAt: later(2),
      durationMs: 9_500,
      updatedAt: later(2),
    });

    await waitFor(() => expect(cell(running, "Status")).toHaveTextContent("Completed"));
    expect(within(running).queryByRole("progressbar")).not.toBeInTheDocument();
    expect(cell(running, "Size")).toHaveTextContent("130 MB");
    expect(cell(running, "Rows")).toHaveTextContent("2,160,000");
    expect(within(running).getByRole("link", { name: "Download" })).toHaveAttribute("href", "/api/v1/exports/j-running/download");
    expect(sources[0]!.closed).toBe(true);
    expect(sources).toHaveLength(1);
  });

  it("copies an absolute signed download link", async () => {
    const requests = mockFetch({
      [LIST]: () => page([COMPLETED]),
      "POST /api/v1/exports/j-done/links": () =>
        jsonResponse({ url: "/api/v1/exports/j-done/download?token=c2lnbmVk", expiresAt: "2026-11-23T10:00:00+00:00" }),
    });
    const user = userEvent.setup();
    renderHistory();

    const done = await screen.findByRole("row", { name: COMPLETED.fileName });
    await user.click(within(done).getByRole("button", { name: "Copy link" }));

    expect(await within(done).findByText(/^Link copied\./)).toBeInTheDocument();
    expect(await navigator.clipboard.readText()).toBe(`${window.location.origin}/api/v1/exports/j-done/download?token=c2lnbmVk`);
    expect(requests.find((request) => request.url === "/api/v1/exports/j-done/links")?.body).toEqual({ expiresInMinutes: 1440 });
  });

  it("re-runs a failed export as a new job at the top and deletes a finished one", async () => {
    mockEventSource();
    const rerun = runningJobJson({
      id: "j-rerun",
      fileName: "agent-commands-20261115-0005-20261122-0005.jsonl",
      format: "jsonl",
      status: "pending",
      phase: "queued",
      percent: null,
      rowsWritten: 0,
      bytesWritten: 0,
      createdAt: "2026-11-22T10:05:00+00:00",
    });
    let listed = 0;
    const requests = mockFetch({
      [LIST]: () => page(++listed === 1 ? [COMPLETED, FAILED] : [rerun, COMPLETED, FAILED]),
      "POST /api/v1/exports/j-failed/rerun": () => jsonResponse(rerun, 202),
      "DELETE /api/v1/exports/j-done": () => new Response(null, { status: 204 }),
    });
    const user = userEvent.setup();
    renderHistory();

    const failed = await screen.findByRole("row", { name: FAILED.fileName });
    await user.click(within(failed).getByRole("button", { name: "Re-run" }));

    expect(await screen.findByRole("row", { name: rerun.fileName })).toBeInTheDocument();
    expect(screen.getAllByRole("row")[1]).toHaveAccessibleName(rerun.fileName);
    expect(cell(row(rerun.fileName), "Status")).toHaveTextContent("Pending");
    expect(within(failed).getByText(`Started again as ${rerun.fileName}.`)).toBeInTheDocument();

    await user.click(within(row(COMPLETED.fileName)).getByRole("button", { name: "Delete" }));

    await waitFor(() => expect(screen.queryByRole("row", { name: COMPLETED.fileName })).not.toBeInTheDocument());
    expect(requests.map((request) => `${request.method} ${request.url}`)).toEqual([
      "GET /api/v1/exports?limit=25",
      "POST /api/v1/exports/j-failed/rerun",
      "GET /api/v1/exports?limit=25",
      "DELETE /api/v1/exports/j-done",
    ]);
  });
});
