import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { mockEventSource } from "../../../test/event-source";
import { runningJobJson } from "../../../test/export-jobs";
import { jsonResponse, mockFetch, problemResponse } from "../../../test/fetch-mock";
import { renderWithClient } from "../../../test/render";
import { runJson, scheduleJson, templateJson, type ScheduleJson } from "../../../test/templates";
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
const CREATE = "POST /api/v1/schedules";
const DESTINATIONS = "GET /api/v1/destinations";

const SERVERS = templateJson({ id: "t-daily", name: "Servers daily" });
const AGENTS = templateJson({ id: "t-agents", name: "Agent failures" });

const DAILY = scheduleJson({ id: "s-daily", templateId: "t-daily" });
const WEEKDAYS = scheduleJson({
  id: "s-weekdays",
  templateId: "t-agents",
  name: "Agents on weekdays",
  cron: "0 30 7 ? * MON,TUE,WED,THU,FRI",
  timezone: "America/New_York",
  active: false,
  spec: {
    templateId: "t-agents",
    frequency: { every: "weekly", time: "07:30", days: ["MON", "TUE", "WED", "THU", "FRI"] },
    timezone: "America/New_York",
    window: "08:00-18:00",
  },
  nextRuns: [],
});
const MONTH_END = scheduleJson({
  id: "s-month-end",
  templateId: "t-gone",
  name: "Month end",
  cron: "0 0 6 L * ?",
  timezone: "UTC",
  spec: { templateId: "t-gone", frequency: { every: "monthly", time: "06:00", dayOfMonth: "last" }, timezone: "UTC" },
  nextRuns: ["2026-11-30T06:00:00+00:00"],
});
const CRON = scheduleJson({
  id: "s-cron",
  templateId: "t-daily",
  name: "Half past nine",
  cron: "0 30 9 ? * 2-6",
  spec: { templateId: "t-daily", cron: "30 9 * * 1-5", timezone: "Europe/Berlin" },
});

/** Five days at 09:00 in Berlin, as GET /schedules/{id}/next?count=5 answers. */
const NEXT_FIVE = [23, 24, 25, 26, 27].map((day) => `2026-11-${day}T09:00:00+01:00`);

function renderSchedules(template?: string) {
  return renderWithClient(<SchedulesView template={template} templatesHref="#/templates" />);
}

function row(name: string): HTMLElement {
  return screen.getByRole("row", { name });
}

/** The row's cell under the column header `column` of the row's own table (the first cell is the row header). */
function cell(rowElement: HTMLElement, column: string): HTMLElement {
  const table = rowElement.closest("table")!;
  const headers = within(table).getAllByRole("columnheader").map((header) => header.textContent);
  const index = headers.indexOf(column);
  if (index < 0) throw new Error(`No column ${column}: ${headers.join(", ")}`);
  return rowElement.children[index] as HTMLElement;
}

function created(body: unknown): ScheduleJson {
  const spec = body as Record<string, unknown>;
  return scheduleJson({
    id: "s-new",
    templateId: String(spec.templateId),
    name: String(spec.name ?? "Servers daily"),
    timezone: String(spec.timezone),
    active: spec.active !== false,
    spec,
  });
}

describe("SchedulesView", () => {
  it("lists schedules with their template, frequency in words, time zone, state and next runs", async () => {
    mockFetch({
      ...PREVIEW, [LIST]: () => jsonResponse([WEEKDAYS, CRON, MONTH_END, DAILY]), [TEMPLATES]: () => jsonResponse([AGENTS, SERVERS]) });
    renderSchedules();

    const daily = await screen.findByRole("row", { name: "Servers daily" });
    await waitFor(() => expect(cell(daily, "Template")).toHaveTextContent("Servers daily"));
    expect(cell(daily, "Frequency")).toHaveTextContent("Every day at 09:00");
    expect(cell(daily, "Time zone")).toHaveTextContent("Europe/Berlin");
    expect(cell(daily, "Status")).toHaveTextContent("Active");
    const next = within(daily).getByRole("list", { name: "Next runs of Servers daily" });
    const times = within(next).getAllByRole("listitem").map((item) => item.querySelector("time")!);
    expect(times.map((time) => time.getAttribute("datetime"))).toEqual(DAILY.nextRuns);
    // Shown on the schedule's own clock, whatever the browser's zone.
    for (const time of times) expect(time).toHaveTextContent(/09:00/);
    for (const name of ["Run now", "Edit"]) {
      expect(within(daily).getByRole("button", { name })).toHaveAccessibleDescription("Servers daily");
    }
    const more = within(daily).getByRole("button", { name: "More actions for Servers daily" });
    expect(more).toHaveAttribute("aria-haspopup", "menu");

    const weekdays = row("Agents on weekdays");
    expect(cell(weekdays, "Template")).toHaveTextContent("Agent failures");
    expect(cell(weekdays, "Frequency")).toHaveTextContent("Every weekday at 07:30Only between 08:00 and 18:00");
    expect(cell(weekdays, "Status")).toHaveTextContent("Paused");
    expect(cell(weekdays, "Next runs")).toHaveTextContent("None while paused");
    await userEvent.setup().click(within(weekdays).getByRole("button", { name: "More actions for Agents on weekdays" }));
    expect(screen.getAllByRole("menuitem").map((item) => item.textContent)).toEqual([
      "ResumeRun on its schedule again",
      "Show runs",
      "Delete…",
    ]);

    expect(cell(row("Month end"), "Frequency")).toHaveTextContent("Monthly on the last day at 06:00");
    expect(cell(row("Month end"), "Template")).toHaveTextContent("Deleted template");
    expect(cell(row("Half past nine"), "Frequency")).toHaveTextContent("Cron 30 9 * * 1-5");
  });

  it.each([
    {
      frequency: "Hourly",
      fill: async (user: ReturnType<typeof userEvent.setup>) => {
        await user.clear(screen.getByLabelText("Minute past the hour"));
        await user.type(screen.getByLabelText("Minute past the hour"), "15");
      },
      expected: { frequency: { every: "hourly", minute: 15 } },
    },
    {
      frequency: "Daily",
      fill: async (user: ReturnType<typeof userEvent.setup>) => {
        await user.clear(screen.getByLabelText("Time"));
        await user.type(screen.getByLabelText("Time"), "07:30");
      },
      expected: { frequency: { every: "daily", time: "07:30" } },
    },
    {
      frequency: "Weekly",
      fill: async (user: ReturnType<typeof userEvent.setup>) => {
        const days = screen.getByRole("group", { name: "Days" });
        expect(within(days).getByRole("checkbox", { name: "Monday" })).toBeChecked();
        await user.click(within(days).getByRole("checkbox", { name: "Friday" }));
        await user.click(within(days).getByRole("checkbox", { name: "Wednesday" }));
      },
      expected: { frequency: { every: "weekly", time: "09:00", days: ["MON", "WED", "FRI"] } },
    },
    {
      frequency: "Monthly",
      fill: async (user: ReturnType<typeof userEvent.setup>) => {
        await user.selectOptions(screen.getByLabelText("Day of month"), "Last day");
      },
      expected: { frequency: { every: "monthly", time: "09:00", dayOfMonth: "last" } },
    },
    {
      frequency: "Custom cron",
      fill: async (user: ReturnType<typeof userEvent.setup>) => {
        expect(screen.queryByLabelText("Time")).not.toBeInTheDocument();
        await user.type(screen.getByLabelText("Cron expression"), "30 9 * * 1-5");
      },
      expected: { cron: "30 9 * * 1-5" },
    },
  ])("creates a $frequency schedule with exactly what the form says, then shows its next five runs", async ({ frequency, fill, expected }) => {
    const requests = mockFetch({
      ...PREVIEW,
      [LIST]: () => jsonResponse([]),
      [TEMPLATES]: () => jsonResponse([AGENTS, SERVERS]),
      [DESTINATIONS]: () => jsonResponse([]),
      [CREATE]: (request) => jsonResponse(created(request.body), 201),
      "GET /api/v1/schedules/s-new/next?count=5": () => jsonResponse(NEXT_FIVE),
    });
    const user = userEvent.setup();
    renderSchedules();
    await screen.findByText(/No schedules yet/);

    await user.click(screen.getByRole("button", { name: "New schedule" }));
    const form = screen.getByRole("form", { name: "New schedule" });
    expect(within(form).getByRole("heading", { name: "New schedule" })).toHaveFocus();
    await waitFor(() => expect(within(form).getByRole("option", { name: "Servers daily" })).toBeInTheDocument());
    await user.selectOptions(within(form).getByLabelText("Template"), "Servers daily");
    await user.click(within(form).getByRole("radio", { name: frequency }));
    await fill(user);
    await user.clear(within(form).getByLabelText("Time zone"));
    await user.type(within(form).getByLabelText("Time zone"), "Europe/Berlin");
    await user.click(within(form).getByRole("button", { name: "Create schedule" }));

    expect(await screen.findByRole("heading", { name: "Schedule created" })).toHaveFocus();
    expect(requests.find((request) => request.method === "POST" && !request.url.includes("/preview"))?.body).toEqual({
      templateId: "t-daily",
      timezone: "Europe/Berlin",
      active: true,
      ...expected,
    });
    const next = await screen.findByRole("list", { name: "Next runs" });
    const items = within(next).getAllByRole("listitem");
    expect(items.map((item) => item.querySelector("time")?.getAttribute("datetime"))).toEqual(NEXT_FIVE);
    for (const item of items) expect(item).toHaveTextContent(/09:00/);
    expect(screen.queryByRole("form", { name: "New schedule" })).not.toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Done" }));
    expect(screen.queryByRole("heading", { name: "Schedule created" })).not.toBeInTheDocument();
  });

  it("opens the form with the template from the address and sends a name, a window, the paused state and a retry policy", async () => {
    const requests = mockFetch({
      ...PREVIEW,
      [LIST]: () => jsonResponse([]),
      [TEMPLATES]: () => jsonResponse([AGENTS, SERVERS]),
      [DESTINATIONS]: () => jsonResponse([]),
      [CREATE]: (request) => jsonResponse(created(request.body), 201),
      "GET /api/v1/schedules/s-new/next?count=5": () => jsonResponse(NEXT_FIVE),
    });
    const user = userEvent.setup();
    renderSchedules("t-agents");

    const form = screen.getByRole("form", { name: "New schedule" });
    await waitFor(() => expect(within(form).getByLabelText("Template")).toHaveDisplayValue("Agent failures"));
    expect(within(form).getByRole("radio", { name: "Daily" })).toBeChecked();
    expect(within(form).getByLabelText("Time")).toHaveValue("09:00");
    expect(within(form).getByLabelText("Time zone")).toHaveValue(Intl.DateTimeFormat().resolvedOptions().timeZone);
    expect(within(form).getByRole("combobox", { name: "Time zone" })).toHaveAttribute("aria-autocomplete", "list");

    await user.type(within(form).getByLabelText("Name"), "Agents at night");
    await user.clear(within(form).getByLabelText("Time zone"));
    await user.type(within(form).getByLabelText("Time zone"), "Europe/Berlin");
    const window = within(form).getByRole("group", { name: "Window" });
    await user.type(within(window).getByLabelText("From"), "22:00");
    await user.type(within(window).getByLabelText("To"), "06:00");
    await user.click(within(form).getByRole("checkbox", { name: "Active" }));
    const retry = within(form).getByRole("group", { name: "Retry" });
    await user.type(within(retry).getByLabelText("Attempts"), "5");
    await user.selectOptions(within(retry).getByLabelText("Backoff"), "Linear");
    await user.type(within(retry).getByLabelText("Max delay (seconds)"), "120");
    await user.click(within(form).getByRole("button", { name: "Create schedule" }));

    expect(await screen.findByRole("heading", { name: "Schedule created" })).toBeInTheDocument();
    expect(requests.find((request) => request.method === "POST" && !request.url.includes("/preview"))?.body).toEqual({
      templateId: "t-agents",
      name: "Agents at night",
      frequency: { every: "daily", time: "09:00" },
      timezone: "Europe/Berlin",
      window: "22:00-06:00",
      active: false,
      retry: { attempts: 5, backoff: "linear", maxDelayMs: 120_000 },
    });
    expect(screen.getByText(/It is paused: it runs once resumed\./)).toBeInTheDocument();
  });

  it("shows the server's field errors beside the fields, and the others above the form", async () => {
    let attempts = 0;
    mockFetch({
      ...PREVIEW,
      [LIST]: () => jsonResponse([]),
      [TEMPLATES]: () => jsonResponse([SERVERS]),
      [DESTINATIONS]: () => jsonResponse([]),
      [CREATE]: () =>
        ++attempts === 1
          ? problemResponse({
              status: 400,
              title: "The schedule is not valid",
              errors: {
                templateId: ["templateId names the template to run."],
                "frequency.time": ["time is the local time HH:mm, for example 09:00."],
                timezone: ["Unknown time zone 'Mars/Olympus': use an IANA name such as Europe/Berlin."],
                window: ["window is HH:mm-HH:mm, for example 08:00-18:00."],
                "retry.attempts": ["attempts is from 1 to 10."],
                endAt: ["endAt must be after startAt."],
              },
            })
          : problemResponse({
              status: 400,
              title: "The schedule is not valid",
              errors: { cron: ["Not a valid cron expression: Minute values must be between 0 and 59."] },
            }),
    });
    const user = userEvent.setup();
    renderSchedules();
    await screen.findByText(/No schedules yet/);

    await user.click(screen.getByRole("button", { name: "New schedule" }));
    const form = screen.getByRole("form", { name: "New schedule" });
    await user.type(within(form).getByLabelText("From"), "08:00");
    await user.type(within(form).getByLabelText("Attempts"), "11");
    await user.click(within(form).getByRole("button", { name: "Create schedule" }));

    const alert = await within(form).findByRole("alert");
    expect(alert).toHaveTextContent("The schedule is not valid");
    expect(alert).toHaveTextContent("endAt: endAt must be after startAt.");
    expect(alert).not.toHaveTextContent("Unknown time zone");
    expect(within(form).getByLabelText("Template")).toHaveAccessibleDescription("templateId names the template to run.");
    expect(within(form).getByLabelText("Time")).toHaveAccessibleDescription(expect.stringContaining("time is the local time HH:mm"));
    expect(within(form).getByLabelText("Time zone")).toHaveAccessibleDescription(expect.stringContaining("Unknown time zone 'Mars/Olympus'"));
    expect(within(form).getByLabelText("Time zone")).toBeInvalid();
    expect(within(form).getByRole("group", { name: "Window" })).toHaveAccessibleDescription(
      expect.stringContaining("window is HH:mm-HH:mm, for example 08:00-18:00."),
    );
    expect(within(form).getByLabelText("Attempts")).toHaveAccessibleDescription("attempts is from 1 to 10.");

    await user.click(within(form).getByRole("radio", { name: "Custom cron" }));
    await user.type(within(form).getByLabelText("Cron expression"), "61 * * * *");
    await user.click(within(form).getByRole("button", { name: "Create schedule" }));

    await waitFor(() =>
      expect(within(form).getByLabelText("Cron expression")).toHaveAccessibleDescription(
        expect.stringContaining("Not a valid cron expression: Minute values must be between 0 and 59."),
      ),
    );
  });

  it("pauses and resumes a schedule", async () => {
    const paused = { ...DAILY, active: false, nextRuns: [] };
    const requests = mockFetch({
      ...PREVIEW,
      [LIST]: () => jsonResponse([DAILY]),
      [TEMPLATES]: () => jsonResponse([SERVERS]),
      [DESTINATIONS]: () => jsonResponse([]),
      "POST /api/v1/schedules/s-daily/pause": () => jsonResponse(paused),
      "POST /api/v1/schedules/s-daily/resume": () => jsonResponse(DAILY),
    });
    const user = userEvent.setup();
    renderSchedules();

    const daily = await screen.findByRole("row", { name: "Servers daily" });
    await chooseInMenu(user, daily, /^Pause/);

    await waitFor(() => expect(cell(daily, "Status")).toHaveTextContent("Paused"));
    expect(cell(daily, "Next runs")).toHaveTextContent("None while paused");
    await chooseInMenu(user, daily, /^Resume/);

    await waitFor(() => expect(cell(daily, "Status")).toHaveTextContent("Active"));
    expect(within(daily).getByRole("list", { name: "Next runs of Servers daily" })).toBeInTheDocument();
    expect(requests.filter((request) => request.method === "POST" && !request.url.includes("/preview")).map((request) => request.url)).toEqual([
      "/api/v1/schedules/s-daily/pause",
      "/api/v1/schedules/s-daily/resume",
    ]);
  });

  it("runs a schedule now and follows the run's export in its run history until it can be downloaded", async () => {
    const sources = mockEventSource();
    const queued = runJson({ id: "r-now", exportStatus: "pending", fileName: "servers-2026-11-22.csv", sizeBytes: null, rowCount: null });
    const job = runningJobJson({
      id: "j-run",
      fileName: "servers-2026-11-22.csv",
      status: "pending",
      phase: "queued",
      percent: null,
      rowsWritten: 0,
      bytesWritten: 0,
      updatedAt: "2026-11-22T10:00:00+00:00",
    });
    let ran = false;
    const requests = mockFetch({
      ...PREVIEW,
      [LIST]: () => jsonResponse([DAILY]),
      [TEMPLATES]: () => jsonResponse([SERVERS]),
      [DESTINATIONS]: () => jsonResponse([]),
      "POST /api/v1/schedules/s-daily/run": () => {
        ran = true;
        return jsonResponse(queued, 202);
      },
      "GET /api/v1/schedules/s-daily/runs?limit=20": () => jsonResponse(ran ? [queued] : []),
      "GET /api/v1/exports/j-run": () => jsonResponse(job),
    });
    const user = userEvent.setup();
    renderSchedules();

    const daily = await screen.findByRole("row", { name: "Servers daily" });
    await user.click(within(daily).getByRole("button", { name: "Run now" }));

    const runs = await screen.findByRole("table", { name: "Runs of Servers daily" });
    await user.click(within(daily).getByRole("button", { name: "More actions for Servers daily" }));
    expect(screen.getByRole("menuitem", { name: "Hide runs" })).toBeInTheDocument();
    await user.keyboard("{Escape}");
    expect(within(daily).getByRole("status")).toHaveTextContent("Started: it is the newest of its runs.");
    const run = within(runs).getAllByRole("row")[1]!;
    expect(cell(run, "Trigger")).toHaveTextContent("Run now");
    expect(cell(run, "Run status")).toHaveTextContent("Queued");
    expect(cell(run, "Export status")).toHaveTextContent("Pending");
    expect(await within(run).findByRole("progressbar", { name: "Progress of servers-2026-11-22.csv" })).toBeInTheDocument();
    expect(within(run).queryByRole("link", { name: "Download" })).not.toBeInTheDocument();
    expect(sources.map((source) => source.url)).toEqual(["/api/v1/exports/j-run/events"]);

    sources[0]!.emit("state", {
      ...job,
      status: "completed",
      phase: "done",
      percent: 100,
      rowsWritten: 240,
      rowCount: 240,
      sizeBytes: 12_288,
      completedAt: "2026-11-22T10:00:04+00:00",
      updatedAt: "2026-11-22T10:00:04+00:00",
    });

    await waitFor(() => expect(cell(run, "Export status")).toHaveTextContent("Completed"));
    const download = within(run).getByRole("link", { name: "Download" });
    expect(download).toHaveAttribute("href", "/api/v1/exports/j-run/download");
    expect(download).toHaveAccessibleDescription("servers-2026-11-22.csv");
    expect(cell(run, "Size")).toHaveTextContent("12 KB");
    expect(cell(run, "Rows")).toHaveTextContent("240");
    expect(within(run).queryByRole("progressbar")).not.toBeInTheDocument();
    expect(sources[0]!.closed).toBe(true);
    expect(requests.filter((request) => request.method === "POST" && !request.url.includes("/preview")).map((request) => request.url)).toEqual([
      "/api/v1/schedules/s-daily/run",
    ]);
  });

  it("shows each run's state, its export's state, its file and what went wrong", async () => {
    const completed = runJson({ id: "r-1" });
    const refused = runJson({
      id: "r-2",
      trigger: "cron",
      scheduledFor: "2026-11-21T08:00:00+00:00",
      startedAt: "2026-11-21T08:00:01+00:00",
      status: "refused",
      error: "Too many exports running. You have 4 exports queued or running.",
      exportId: null,
      exportStatus: null,
      fileName: null,
      sizeBytes: null,
      rowCount: null,
    });
    const waiting = runJson({
      id: "r-3",
      trigger: "cron",
      startedAt: "2026-11-20T05:00:00+00:00",
      status: "waiting",
      error: "Outside the window 08:00-18:00; runs when it opens at 2026-11-20 08:00 +01:00.",
      exportId: null,
      exportStatus: null,
      fileName: null,
    });
    const failed = runJson({
      id: "r-4",
      startedAt: "2026-11-19T10:00:00+00:00",
      exportId: "j-failed",
      exportStatus: "failed",
      fileName: "servers-2026-11-19.csv",
      sizeBytes: null,
      rowCount: null,
      exportError: "The query was cancelled after 300 s (statement timeout).",
    });
    const sources = mockEventSource();
    mockFetch({
      ...PREVIEW,
      [LIST]: () => jsonResponse([DAILY]),
      [TEMPLATES]: () => jsonResponse([SERVERS]),
      [DESTINATIONS]: () => jsonResponse([]),
      "GET /api/v1/schedules/s-daily/runs?limit=20": () => jsonResponse([completed, refused, waiting, failed]),
    });
    const user = userEvent.setup();
    renderSchedules();

    const daily = await screen.findByRole("row", { name: "Servers daily" });
    await chooseInMenu(user, daily, "Show runs");

    const runs = await screen.findByRole("table", { name: "Runs of Servers daily" });
    const [, first, second, third, fourth] = within(runs).getAllByRole("row");
    expect(cell(first!, "Export status")).toHaveTextContent("Completed");
    expect(cell(first!, "File")).toHaveTextContent("servers-2026-11-22.csv");
    expect(within(first!).getByRole("link", { name: "Download" })).toHaveAttribute("href", "/api/v1/exports/j-run/download");
    expect(cell(first!, "Rows")).toHaveTextContent("240");

    expect(cell(second!, "Trigger")).toHaveTextContent("On schedule");
    expect(second!).toHaveTextContent(/Due .*09:00/); // 08:00 UTC on Berlin's clock
    expect(cell(second!, "Run status")).toHaveTextContent("RefusedToo many exports running. You have 4 exports queued or running.");
    expect(cell(second!, "Export status")).toHaveTextContent("–");
    expect(within(second!).queryByRole("link")).not.toBeInTheDocument();

    expect(cell(third!, "Run status")).toHaveTextContent("Waiting for its window");
    expect(cell(third!, "Run status")).toHaveTextContent("Outside the window 08:00-18:00");

    expect(cell(fourth!, "Export status")).toHaveTextContent("FailedThe query was cancelled after 300 s (statement timeout).");
    expect(within(fourth!).queryByRole("link", { name: "Download" })).not.toBeInTheDocument();
    // Finished exports are not followed.
    expect(sources).toHaveLength(0);

    await chooseInMenu(user, daily, "Hide runs");
    expect(screen.queryByRole("table", { name: "Runs of Servers daily" })).not.toBeInTheDocument();
  });

  it("edits a schedule, keeping the settings the form does not show, then shows its next runs", async () => {
    const weekly = scheduleJson({
      id: "s-weekly",
      templateId: "t-daily",
      name: "Servers weekly",
      spec: {
        templateId: "t-daily",
        frequency: { every: "weekly", time: "09:00", days: ["MON", "THU"] },
        timezone: "Europe/Berlin",
        startAt: "2026-12-01T00:00:00+01:00",
        retry: { attempts: 4, backoff: "exponential", baseDelayMs: 2000, maxDelayMs: 60_000, jitter: false },
      },
    });
    const requests = mockFetch({
      ...PREVIEW,
      [LIST]: () => jsonResponse([weekly]),
      [TEMPLATES]: () => jsonResponse([SERVERS]),
      [DESTINATIONS]: () => jsonResponse([]),
      "PUT /api/v1/schedules/s-weekly": (request) => jsonResponse({ ...weekly, spec: request.body }),
      "GET /api/v1/schedules/s-weekly/next?count=5": () => jsonResponse(NEXT_FIVE),
    });
    const user = userEvent.setup();
    renderSchedules();

    await user.click(within(await screen.findByRole("row", { name: "Servers weekly" })).getByRole("button", { name: "Edit" }));
    const form = screen.getByRole("form", { name: "Edit schedule" });
    expect(within(form).getByRole("heading", { name: "Edit schedule" })).toHaveFocus();
    expect(within(form).getByRole("radio", { name: "Weekly" })).toBeChecked();
    const days = within(form).getByRole("group", { name: "Days" });
    expect(within(days).getAllByRole("checkbox", { checked: true }).map((box) => box.closest("label")?.textContent)).toEqual([
      "Monday",
      "Thursday",
    ]);
    expect(within(form).getByLabelText("Attempts")).toHaveValue(4);
    expect(within(form).getByLabelText("Max delay (seconds)")).toHaveValue(60);

    await user.click(within(days).getByRole("checkbox", { name: "Thursday" }));
    await user.click(within(form).getByRole("button", { name: "Save schedule" }));

    expect(await screen.findByRole("heading", { name: "Schedule saved" })).toBeInTheDocument();
    expect(await screen.findByRole("list", { name: "Next runs" })).toBeInTheDocument();
    expect(requests.find((request) => request.method === "PUT")?.body).toEqual({
      templateId: "t-daily",
      name: "Servers weekly",
      frequency: { every: "weekly", time: "09:00", days: ["MON"] },
      timezone: "Europe/Berlin",
      active: true,
      startAt: "2026-12-01T00:00:00+01:00",
      retry: { attempts: 4, backoff: "exponential", baseDelayMs: 2000, maxDelayMs: 60_000, jitter: false },
    });
  });

  it("deletes a schedule once the deletion is confirmed", async () => {
    const requests = mockFetch({
      ...PREVIEW,
      [LIST]: () => jsonResponse([DAILY, CRON]),
      [TEMPLATES]: () => jsonResponse([SERVERS]),
      [DESTINATIONS]: () => jsonResponse([]),
      "DELETE /api/v1/schedules/s-daily": () => new Response(null, { status: 204 }),
    });
    const user = userEvent.setup();
    renderSchedules();

    await chooseInMenu(user, await screen.findByRole("row", { name: "Servers daily" }), "Delete…");
    const confirm = screen.getByRole("dialog", { name: "Delete schedule?" });
    expect(confirm).toHaveAccessibleDescription(expect.stringContaining("“Servers daily” stops running"));
    await user.click(within(confirm).getByRole("button", { name: "Delete schedule" }));

    await waitFor(() => expect(screen.queryByRole("row", { name: "Servers daily" })).not.toBeInTheDocument());
    expect(row("Half past nine")).toBeInTheDocument();
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(requests.filter((request) => request.method === "DELETE").map((request) => request.url)).toEqual([
      "/api/v1/schedules/s-daily",
    ]);
  });
});
