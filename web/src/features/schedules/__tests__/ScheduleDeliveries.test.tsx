import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { deliveryJson, HOOK, OPS_MAIL } from "../../../test/destinations";
import { mockEventSource } from "../../../test/event-source";
import { runningJobJson } from "../../../test/export-jobs";
import { jsonResponse, mockFetch, problemResponse } from "../../../test/fetch-mock";
import { renderWithClient } from "../../../test/render";
import { runJson, scheduleJson, templateJson, type RunJson } from "../../../test/templates";
import { SchedulesView } from "../components/SchedulesView";

/** A preview the form's "Next runs" reads while it is edited (POST /schedules/preview). */
const PREVIEW = {
  "POST /api/v1/schedules/preview?count=5": () =>
    jsonResponse({ cron: "0 0 9 * * ?", timezone: "UTC", runs: [{ at: "2026-11-23T09:00:00+00:00" }] }),
};

/** Chooses `item` in the row's "⋯" menu. */
async function chooseInMenu(user: ReturnType<typeof userEvent.setup>, rowElement: HTMLElement, item: string | RegExp) {
  await user.click(within(rowElement).getByRole("button", { name: /^More actions for / }));
  await user.click(screen.getByRole("menuitem", { name: item }));
}


const LIST = "GET /api/v1/schedules";
const TEMPLATES = "GET /api/v1/templates";
const DESTINATIONS = "GET /api/v1/destinations";
const CREATE = "POST /api/v1/schedules";
const RUNS = "GET /api/v1/schedules/s-daily/runs?limit=20";

const SERVERS = templateJson({ id: "t-daily", name: "Servers daily" });
const FILE = "servers-2026-11-22.csv";

/** Daily at 09:00 in Berlin, delivering to `destinations`. */
function dailyTo(destinations: string[]) {
  return scheduleJson({
    id: "s-daily",
    templateId: "t-daily",
    spec: { templateId: "t-daily", frequency: { every: "daily", time: "09:00" }, timezone: "Europe/Berlin", active: true, destinations },
  });
}

/** The row's cell under the column header `column` of the row's own table (the first cell is the row header). */
function cell(row: HTMLElement, column: string): HTMLElement {
  const headers = within(row.closest("table")!).getAllByRole("columnheader").map((header) => header.textContent);
  const index = headers.indexOf(column);
  if (index < 0) throw new Error(`No column ${column}: ${headers.join(", ")}`);
  return row.children[index] as HTMLElement;
}

async function openRuns(user: ReturnType<typeof userEvent.setup>) {
  const daily = await screen.findByRole("row", { name: "Servers daily" });
  await chooseInMenu(user, daily, "Show runs");
  return screen.findByRole("table", { name: "Runs of Servers daily" });
}

describe("SchedulesView deliveries", () => {
  it("sends the destinations ticked under “Deliver to” with a new schedule, and shows the server's errors about them there", async () => {
    let attempts = 0;
    const requests = mockFetch({
      ...PREVIEW,
      [LIST]: () => jsonResponse([]),
      [TEMPLATES]: () => jsonResponse([SERVERS]),
      [DESTINATIONS]: () => jsonResponse([OPS_MAIL, HOOK]),
      [CREATE]: (request) =>
        ++attempts === 1
          ? problemResponse({ status: 400, title: "The schedule is not valid", errors: { "destinations[0]": ["No destination d-mail."] } })
          : jsonResponse({ ...dailyTo(["d-mail", "d-hook"]), spec: request.body }, 201),
      "GET /api/v1/schedules/s-daily/next?count=5": () => jsonResponse([]),
    });
    const user = userEvent.setup();
    renderWithClient(<SchedulesView templatesHref="#/templates" destinationsHref="#/destinations" />);
    await screen.findByText(/No schedules yet/);

    await user.click(screen.getByRole("button", { name: "New schedule" }));
    const form = screen.getByRole("form", { name: "New schedule" });
    await waitFor(() => expect(within(form).getByRole("option", { name: "Servers daily" })).toBeInTheDocument());
    await user.selectOptions(within(form).getByLabelText("Template"), "Servers daily");
    const deliverTo = await within(form).findByRole("group", { name: "Deliver to" });
    const boxes = within(deliverTo).getAllByRole("checkbox");
    expect(boxes.map((box) => box.closest("label")?.textContent)).toEqual(["Ops inbox", "Reports hook"]);
    for (const box of boxes) expect(box).not.toBeChecked();
    await user.click(within(deliverTo).getByRole("checkbox", { name: "Reports hook" }));
    await user.click(within(deliverTo).getByRole("checkbox", { name: "Ops inbox" }));
    await user.click(within(form).getByRole("button", { name: "Create schedule" }));

    await waitFor(() => expect(deliverTo).toHaveAccessibleDescription(expect.stringContaining("No destination d-mail.")));
    expect(within(form).getByRole("alert")).not.toHaveTextContent("destinations[0]");
    await user.click(within(form).getByRole("button", { name: "Create schedule" }));

    expect(await screen.findByRole("heading", { name: "Schedule created" })).toBeInTheDocument();
    const posted = requests.filter((request) => request.method === "POST" && !request.url.includes("/preview")).map((request) => request.body);
    expect(posted).toHaveLength(2);
    for (const body of posted) {
      expect(body).toEqual({
        templateId: "t-daily",
        frequency: { every: "daily", time: "09:00" },
        timezone: expect.any(String),
        active: true,
        destinations: ["d-mail", "d-hook"],
      });
    }
  });

  it("edits a schedule's destinations: one since deleted stays listed to untick, and none ticked sends none", async () => {
    const requests = mockFetch({
      ...PREVIEW,
      [LIST]: () => jsonResponse([dailyTo(["d-hook", "d-gone"])]),
      [TEMPLATES]: () => jsonResponse([SERVERS]),
      [DESTINATIONS]: () => jsonResponse([OPS_MAIL, HOOK]),
      "PUT /api/v1/schedules/s-daily": (request) => jsonResponse({ ...dailyTo([]), spec: request.body }),
      "GET /api/v1/schedules/s-daily/next?count=5": () => jsonResponse([]),
    });
    const user = userEvent.setup();
    renderWithClient(<SchedulesView />);

    await user.click(within(await screen.findByRole("row", { name: "Servers daily" })).getByRole("button", { name: "Edit" }));
    const form = screen.getByRole("form", { name: "Edit schedule" });
    const deliverTo = await within(form).findByRole("group", { name: "Deliver to" });
    expect(within(deliverTo).getByRole("checkbox", { name: "Ops inbox" })).not.toBeChecked();
    expect(within(deliverTo).getByRole("checkbox", { name: "Reports hook" })).toBeChecked();
    const gone = within(deliverTo).getByRole("checkbox", { name: "A destination that no longer exists" });
    expect(gone).toBeChecked();

    await user.click(gone);
    await user.click(within(deliverTo).getByRole("checkbox", { name: "Reports hook" }));
    await user.click(within(form).getByRole("button", { name: "Save schedule" }));

    expect(await screen.findByRole("heading", { name: "Schedule saved" })).toBeInTheDocument();
    const put = requests.find((request) => request.method === "PUT");
    expect(put?.body).toEqual({
      templateId: "t-daily",
      name: "Servers daily",
      frequency: { every: "daily", time: "09:00" },
      timezone: "Europe/Berlin",
      active: true,
    });
  });

  it("offers the Destinations page when there is nowhere to deliver yet", async () => {
    mockFetch({
      ...PREVIEW, [LIST]: () => jsonResponse([]), [TEMPLATES]: () => jsonResponse([SERVERS]), [DESTINATIONS]: () => jsonResponse([]) });
    const user = userEvent.setup();
    renderWithClient(<SchedulesView destinationsHref="#/destinations" />);
    await screen.findByText(/No schedules yet/);

    await user.click(screen.getByRole("button", { name: "New schedule" }));
    const deliverTo = screen.getByRole("group", { name: "Deliver to" });
    expect(await within(deliverTo).findByText(/No destinations yet/)).toBeInTheDocument();
    expect(within(deliverTo).getByRole("link", { name: "Destinations page" })).toHaveAttribute("href", "#/destinations");
    expect(within(deliverTo).queryByRole("checkbox")).not.toBeInTheDocument();
  });

  it("shows where each run's file went: the destination, its status, attempts, and what it reported or why it failed", async () => {
    mockEventSource();
    const delivered = runJson({
      id: "r-1",
      fileName: FILE,
      deliveries: [
        deliveryJson({ detail: "sent to ops@example.com, oncall@example.com with the file attached" }),
        deliveryJson({
          destinationId: HOOK.id,
          destinationName: HOOK.name,
          kind: "webhook",
          status: "failed",
          attempts: 3,
          detail: null,
          lastError: "Webhook answered HTTP 410; not retried.",
          deliveredAt: null,
        }),
      ],
    });
    const without = runJson({ id: "r-2", exportId: "j-old", fileName: "servers-2026-11-21.csv", startedAt: "2026-11-21T10:00:00+00:00" });
    mockFetch({
      ...PREVIEW,
      [LIST]: () => jsonResponse([dailyTo(["d-mail", "d-hook"])]),
      [TEMPLATES]: () => jsonResponse([SERVERS]),
      [RUNS]: () => jsonResponse([delivered, without]),
    });
    const user = userEvent.setup();
    renderWithClient(<SchedulesView />);

    const runs = await openRuns(user);
    const [, first, second] = within(runs).getAllByRole("row");
    const list = within(cell(first!, "Deliveries")).getByRole("list", { name: `Deliveries of ${FILE}` });
    const [mail, hook] = within(list).getAllByRole("listitem");
    expect(mail).toHaveTextContent("Ops inbox");
    expect(within(mail!).getByText("Delivered")).toBeInTheDocument();
    expect(mail).toHaveTextContent("E-mail · 1 attempt");
    expect(mail).toHaveTextContent("sent to ops@example.com, oncall@example.com with the file attached");
    expect(hook).toHaveTextContent("Reports hook");
    expect(within(hook!).getByText("Failed")).toBeInTheDocument();
    expect(hook).toHaveTextContent("Webhook · 3 attempts");
    expect(hook).toHaveTextContent("Webhook answered HTTP 410; not retried.");
    expect(cell(second!, "Deliveries")).toHaveTextContent("–");
  });

  it("reads the runs again while the export runs and its delivery is under way, and stops once it has settled", async () => {
    mockEventSource();
    const running = runJson({ id: "r-1", exportStatus: "processing", fileName: FILE, sizeBytes: null, rowCount: null, deliveries: [] });
    const completed = { ...running, exportStatus: "completed", sizeBytes: 12_288, rowCount: 240 };
    const pending = deliveryJson({ status: "pending", attempts: 0, detail: null, durationMs: null, deliveredAt: null });
    const stages: RunJson[] = [
      running,
      completed,
      { ...completed, deliveries: [pending] },
      { ...completed, deliveries: [{ ...pending, status: "retrying", attempts: 1, lastError: "SMTP: 451 Try again later" }] },
      { ...completed, deliveries: [deliveryJson({ attempts: 2 })] },
    ];
    let stage = 0;
    let reads = 0;
    mockFetch({
      ...PREVIEW,
      [LIST]: () => jsonResponse([dailyTo(["d-mail"])]),
      [TEMPLATES]: () => jsonResponse([SERVERS]),
      [RUNS]: () => {
        reads += 1;
        return jsonResponse([stages[stage]]);
      },
      "GET /api/v1/exports/j-run": () => jsonResponse(runningJobJson({ id: "j-run", fileName: FILE })),
    });
    const user = userEvent.setup();
    renderWithClient(<SchedulesView runsPollMs={20} />);

    const runs = await openRuns(user);
    const row = () => within(runs).getAllByRole("row")[1]!;
    expect(cell(row(), "Export status")).toHaveTextContent("Processing");
    // Read again while the export runs…
    await waitFor(() => expect(reads).toBeGreaterThanOrEqual(3));

    // …and after it completed, until its delivery has started…
    stage = 1;
    await waitFor(() => expect(cell(row(), "Export status")).toHaveTextContent("Completed"));
    let seen = reads;
    await waitFor(() => expect(reads).toBeGreaterThanOrEqual(seen + 2));
    expect(cell(row(), "Deliveries")).toHaveTextContent("–");

    stage = 2;
    await waitFor(() => expect(cell(row(), "Deliveries")).toHaveTextContent("Ops inbox Pending"));

    // …and while it is retrying.
    stage = 3;
    await waitFor(() => expect(cell(row(), "Deliveries")).toHaveTextContent("Retrying"));
    expect(cell(row(), "Deliveries")).toHaveTextContent("E-mail · 1 attempt");
    expect(cell(row(), "Deliveries")).toHaveTextContent("SMTP: 451 Try again later");
    seen = reads;
    await waitFor(() => expect(reads).toBeGreaterThanOrEqual(seen + 2));

    stage = 4;
    await waitFor(() => expect(cell(row(), "Deliveries")).toHaveTextContent("Delivered"));
    expect(cell(row(), "Deliveries")).toHaveTextContent("E-mail · 2 attempts");
    expect(cell(row(), "Deliveries")).toHaveTextContent("with the file attached");
    expect(cell(row(), "Deliveries")).not.toHaveTextContent("SMTP: 451");

    // Settled: ten poll intervals pass without another read.
    seen = reads;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(reads).toBe(seen);
  });
});
