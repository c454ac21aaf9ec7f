import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
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

/** Opens the row's "⋯" menu and returns its items' names (enabled or not). */
async function openActions(user: ReturnType<typeof userEvent.setup>, rowElement: HTMLElement, fileName: string): Promise<string[]> {
  await user.click(within(rowElement).getByRole("button", { name: `Actions for ${fileName}` }));
  return within(rowElement)
    .getAllByRole("menuitem")
    .map((item) => item.querySelector(".menu-item-label")?.textContent ?? "");
}

async function act(user: ReturnType<typeof userEvent.setup>, rowElement: HTMLElement, fileName: string, action: string) {
  await openActions(user, rowElement, fileName);
  await user.click(within(rowElement).getByRole("menuitem", { name: action }));
}

function captureLinks(): string[] {
  const clicked: string[] = [];
  vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
    clicked.push(this.getAttribute("href") ?? "");
  });
  return clicked;
}

afterEach(() => vi.restoreAllMocks());

describe("HistoryView", () => {
  it("lists exports with their state, summary, size, rows, downloads and actions, and a failed one's error", async () => {
    const sources = mockEventSource();
    mockFetch({ [LIST]: () => page([RUNNING, COMPLETED, FAILED]) });
    const clicked = captureLinks();
    const user = userEvent.setup();
    renderHistory();

    expect(await screen.findByRole("row", { name: COMPLETED.fileName })).toBeInTheDocument();
    expect(screen.getAllByRole("row")).toHaveLength(4); // the header and three exports

    const done = row(COMPLETED.fileName);
    expect(cell(done, "Status")).toHaveTextContent("Completed");
    expect(cell(done, "Summary")).toHaveTextContent("servers · CSV");
    expect(cell(done, "Export")).toHaveTextContent("Series · background · downloaded 2×");
    expect(cell(done, "Size")).toHaveTextContent("12 KB");
    expect(cell(done, "Rows")).toHaveTextContent("240");
    expect(cell(done, "Progress")).toHaveTextContent("Took 4.0 s");
    expect(within(done).queryByRole("progressbar")).not.toBeInTheDocument();
    expect(await openActions(user, done, COMPLETED.fileName)).toEqual(["Download", "Copy link…", "Re-run", "Delete…"]);
    await user.click(within(done).getByRole("menuitem", { name: "Download" }));
    expect(clicked).toEqual(["/api/v1/exports/j-done/download"]);

    const failed = row(FAILED.fileName);
    expect(cell(failed, "Status")).toHaveTextContent("Failed");
    expect(cell(failed, "Summary")).toHaveTextContent("agent-commands · JSONL");
    expect(within(failed).getByText("The query was cancelled after 300 s (statement timeout).")).toBeInTheDocument();
    expect(await openActions(user, failed, FAILED.fileName)).toEqual(["Re-run", "Delete…"]);
    await user.keyboard("{Escape}");

    const running = row(RUNNING.fileName);
    expect(cell(running, "Status")).toHaveTextContent("Processing");
    const bar = within(running).getByRole("progressbar", { name: `Progress of ${RUNNING.fileName}` });
    expect(bar).toHaveAttribute("value", "25");
    expect(cell(running, "Progress")).toHaveTextContent("25% · 540,000 of about 2,160,000 rows");
    expect(cell(running, "Rows")).toHaveTextContent("540,000");
    expect(await openActions(user, running, RUNNING.fileName)).toEqual(["Cancel"]);

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
    await act(user, running, RUNNING.fileName, "Cancel");

    expect(requests.filter((request) => request.method === "POST").map((request) => request.url)).toEqual([
      "/api/v1/exports/j-running/cancel",
    ]);
    // The server takes up to a second to stop a running job: the row says it is cancelling meanwhile.
    await waitFor(() => expect(cell(running, "Progress")).toHaveTextContent("cancelling"));
    await openActions(user, running, RUNNING.fileName);
    expect(within(running).getByRole("menuitem", { name: "Cancel" })).toBeDisabled();
    await user.click(within(running).getByRole("button", { name: `Actions for ${RUNNING.fileName}` }));

    sources[0]!.emit("state", { ...RUNNING, status: "cancelled", phase: "done", cancelledBy: "demo@exports.local", updatedAt: later(2) });

    await waitFor(() => expect(cell(running, "Status")).toHaveTextContent("Cancelled"));
    expect(within(running).getByText("Cancelled by demo@exports.local")).toBeInTheDocument();
    expect(within(running).queryByRole("progressbar")).not.toBeInTheDocument();
    expect(await openActions(user, running, RUNNING.fileName)).toEqual(["Re-run", "Delete…"]);
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
    await act(user, running, RUNNING.fileName, "Cancel");

    expect(await within(running).findByRole("alert")).toHaveTextContent("The export has already finished: It is completed.");
    // The row reads the job again and offers what a completed export offers.
    await waitFor(() => expect(cell(running, "Status")).toHaveTextContent("Completed"));
    expect(await openActions(user, running, RUNNING.fileName)).toEqual(["Download", "Copy link…", "Re-run", "Delete…"]);
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
    expect(sources[0]!.closed).toBe(true);
    expect(sources).toHaveLength(1);
  });

  it("copies an absolute signed download link that works for the chosen time", async () => {
    const requests = mockFetch({
      [LIST]: () => page([COMPLETED]),
      "POST /api/v1/exports/j-done/links": () =>
        jsonResponse({ url: "/api/v1/exports/j-done/download?token=c2lnbmVk", expiresAt: "2026-11-23T10:00:00+00:00" }),
    });
    const user = userEvent.setup();
    renderHistory();

    const done = await screen.findByRole("row", { name: COMPLETED.fileName });
    await act(user, done, COMPLETED.fileName, "Copy link…");

    const dialog = await screen.findByRole("dialog", { name: `Download link for ${COMPLETED.fileName}` });
    const lifetime = within(dialog).getByLabelText("Link works for");
    expect(lifetime).toHaveFocus();
    expect(lifetime).toHaveValue("1440");
    await user.selectOptions(lifetime, "7 days");
    await user.click(within(dialog).getByRole("button", { name: "Create and copy link" }));

    expect(await within(dialog).findByText(/^Link copied\./)).toBeInTheDocument();
    expect(await navigator.clipboard.readText()).toBe(`${window.location.origin}/api/v1/exports/j-done/download?token=c2lnbmVk`);
    expect(requests.find((request) => request.url === "/api/v1/exports/j-done/links")?.body).toEqual({ expiresInMinutes: 10080 });
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
    await act(user, failed, FAILED.fileName, "Re-run");

    expect(await screen.findByRole("row", { name: rerun.fileName })).toBeInTheDocument();
    expect(screen.getAllByRole("row")[1]).toHaveAccessibleName(rerun.fileName);
    expect(cell(row(rerun.fileName), "Status")).toHaveTextContent("Pending");
    expect(within(failed).getByText(`Started again as ${rerun.fileName}.`)).toBeInTheDocument();

    await act(user, row(COMPLETED.fileName), COMPLETED.fileName, "Delete…");
    // Delete asks first: Cancel keeps the export, and nothing was sent.
    let confirm = await screen.findByRole("dialog", { name: `Delete ${COMPLETED.fileName}?` });
    expect(confirm).toHaveAccessibleDescription(/This cannot be undone/);
    await user.click(within(confirm).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(requests.some((request) => request.method === "DELETE")).toBe(false);

    await act(user, row(COMPLETED.fileName), COMPLETED.fileName, "Delete…");
    confirm = await screen.findByRole("dialog", { name: `Delete ${COMPLETED.fileName}?` });
    await user.click(within(confirm).getByRole("button", { name: "Delete" }));

    await waitFor(() => expect(screen.queryByRole("row", { name: COMPLETED.fileName })).not.toBeInTheDocument());
    expect(requests.map((request) => `${request.method} ${request.url}`)).toEqual([
      "GET /api/v1/exports?limit=25",
      "POST /api/v1/exports/j-failed/rerun",
      "GET /api/v1/exports?limit=25",
      "DELETE /api/v1/exports/j-done",
    ]);
  });

  it("marks a direct download, shows what it sent, and downloads it again through a new signed link", async () => {
    const DIRECT = jobJson({
      id: "j-direct",
      fileName: "servers-7d-2026-11-22.csv",
      direct: true,
      storage: "none",
      sizeBytes: null,
      rowCount: 1_680,
      bytesWritten: 98_304,
      expiresAt: null,
      downloadCount: 0,
      request: {
        kind: "series",
        series: {
          source: "servers",
          format: "csv",
          timeframe: { last: "7d" },
          filter: { and: [{ field: "region", op: "eq", value: "eu-west" }, { not: { field: "server", op: "startsWith", value: "cache" } }] },
        },
      },
    });
    const link = { url: "/api/v1/exports/series/direct/d1?token=1.sig", expiresAt: "2026-11-22T10:05:00Z", fileName: DIRECT.fileName };
    const requests = mockFetch({
      [LIST]: () => page([DIRECT]),
      "POST /api/v1/exports/series/direct": () => jsonResponse(link, 201),
    });
    const clicked = captureLinks();
    const user = userEvent.setup();
    renderHistory();

    const direct = await screen.findByRole("row", { name: DIRECT.fileName });
    expect(cell(direct, "Export")).toHaveTextContent("Direct download");
    expect(cell(direct, "Summary")).toHaveTextContent("servers · Last 7 days · region = eu-west · not server starts with cache · CSV");
    expect(cell(direct, "Size")).toHaveTextContent("96 KB");
    expect(cell(direct, "Rows")).toHaveTextContent("1,680");
    expect(cell(direct, "Expires")).toHaveTextContent("No file kept");
    expect(await openActions(user, direct, DIRECT.fileName)).toEqual(["Download again", "Re-run", "Delete…"]);
    await user.click(within(direct).getByRole("menuitem", { name: "Download again" }));

    expect(await within(direct).findByText(`Downloading ${DIRECT.fileName}: see your browser's downloads.`)).toBeInTheDocument();
    expect(requests.find((request) => request.url === "/api/v1/exports/series/direct")?.body).toEqual(
      (DIRECT.request as { series: unknown }).series,
    );
    expect(clicked).toEqual([link.url]);
  });
});
