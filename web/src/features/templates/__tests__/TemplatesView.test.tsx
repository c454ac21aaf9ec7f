import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { mockEventSource } from "../../../test/event-source";
import { runningJobJson } from "../../../test/export-jobs";
import { jsonResponse, mockFetch, problemResponse } from "../../../test/fetch-mock";
import { renderWithClient } from "../../../test/render";
import { SERVERS_REQUEST, templateJson } from "../../../test/templates";
import { TemplatesView } from "../components/TemplatesView";

const LIST = "GET /api/v1/templates";

const DAILY = templateJson({ id: "t-daily", version: 3, updatedAt: "2026-11-22T08:00:00+00:00" });
const AGENTS = templateJson({
  id: "t-agents",
  name: "Agent failures",
  description: "",
  request: {
    kind: "series",
    series: { source: "agent-commands", timeframe: { last: "7d" }, format: "jsonl", granularity: "raw", timezone: "UTC" },
    format: "jsonl",
  },
});

function renderTemplates() {
  return renderWithClient(<TemplatesView searchDelayMs={0} scheduleHref={(id) => `#/schedules?template=${id}`} />);
}

function row(name: string): HTMLElement {
  return screen.getByRole("row", { name });
}

/** The row's cell under the column header `column` (the first cell is the row header). */
function cell(rowElement: HTMLElement, column: string): HTMLElement {
  const headers = screen.getAllByRole("columnheader").map((header) => header.textContent);
  const index = headers.indexOf(column);
  if (index < 0) throw new Error(`No column ${column}: ${headers.join(", ")}`);
  return rowElement.children[index] as HTMLElement;
}

describe("TemplatesView", () => {
  it("lists templates with what they export, their range and version, and their actions", async () => {
    mockFetch({ [LIST]: () => jsonResponse([AGENTS, DAILY]) });
    renderTemplates();

    const daily = await screen.findByRole("row", { name: "Servers daily" });
    expect(screen.getAllByRole("row")).toHaveLength(3); // the header and two templates
    expect(within(daily).getByText("CPU of every server, hourly, for the morning report")).toBeInTheDocument();
    expect(cell(daily, "Export")).toHaveTextContent("CSV · Series · servers");
    expect(cell(daily, "Time range")).toHaveTextContent("Last 24 hours");
    expect(cell(daily, "Version")).toHaveTextContent("3");
    for (const name of ["Run now", "Edit", "History", "Delete"]) {
      expect(within(daily).getByRole("button", { name })).toHaveAccessibleDescription("Servers daily");
    }
    expect(within(daily).getByRole("link", { name: "Schedule" })).toHaveAttribute("href", "#/schedules?template=t-daily");

    const agents = row("Agent failures");
    expect(cell(agents, "Export")).toHaveTextContent("JSONL · Series · agent-commands");
    expect(cell(agents, "Time range")).toHaveTextContent("Last 7 days");
  });

  it("searches by name and description through the query string", async () => {
    const requests = mockFetch({
      [LIST]: () => jsonResponse([AGENTS, DAILY]),
      "GET /api/v1/templates?q=serv": () => jsonResponse([DAILY]),
      "GET /api/v1/templates?q=nothing+here": () => jsonResponse([]),
    });
    const user = userEvent.setup();
    renderTemplates();
    await screen.findByRole("row", { name: "Agent failures" });

    const search = screen.getByRole("searchbox", { name: "Search templates" });
    await user.click(search);
    await user.paste("serv");
    await waitFor(() => expect(screen.queryByRole("row", { name: "Agent failures" })).not.toBeInTheDocument());
    expect(row("Servers daily")).toBeInTheDocument();

    await user.clear(search);
    await user.paste("nothing here");
    expect(await screen.findByText("No templates match “nothing here”.")).toBeInTheDocument();
    expect(requests.map((request) => request.url)).toEqual([
      "/api/v1/templates",
      "/api/v1/templates?q=serv",
      "/api/v1/templates", // cleared: the whole list, read afresh
      "/api/v1/templates?q=nothing+here",
    ]);
  });

  it("says how to make one when there are none", async () => {
    mockFetch({ [LIST]: () => jsonResponse([]) });
    renderTemplates();

    expect(await screen.findByText(/No templates yet/)).toHaveTextContent("“Save as template”");
    expect(screen.queryByRole("table")).not.toBeInTheDocument();
  });

  it("runs a template now, shows the job's live progress, then its Download link", async () => {
    const sources = mockEventSource();
    const pending = runningJobJson({
      id: "j-tpl",
      fileName: "servers-2026-11-22.csv",
      status: "pending",
      phase: "queued",
      percent: null,
      rowsWritten: 0,
      bytesWritten: 0,
      updatedAt: "2026-11-22T10:00:00+00:00",
    });
    const requests = mockFetch({
      [LIST]: () => jsonResponse([DAILY]),
      "POST /api/v1/templates/t-daily/run": () => jsonResponse(pending, 202),
    });
    const user = userEvent.setup();
    renderTemplates();

    const daily = await screen.findByRole("row", { name: "Servers daily" });
    await user.click(within(daily).getByRole("button", { name: "Run now" }));

    const bar = await within(daily).findByRole("progressbar", { name: "Progress of servers-2026-11-22.csv" });
    expect(bar).not.toHaveAttribute("value");
    expect(requests.find((request) => request.method === "POST")?.body).toEqual({});
    expect(sources.map((source) => source.url)).toEqual(["/api/v1/exports/j-tpl/events"]);

    sources[0]!.emit("progress", { ...pending, status: "processing", phase: "writing", percent: 50, rowsWritten: 120, updatedAt: "2026-11-22T10:00:02+00:00" });
    await waitFor(() => expect(bar).toHaveAttribute("value", "50"));

    sources[0]!.emit("state", {
      ...pending,
      status: "completed",
      phase: "done",
      percent: 100,
      rowsWritten: 240,
      rowCount: 240,
      sizeBytes: 12_288,
      completedAt: "2026-11-22T10:00:04+00:00",
      updatedAt: "2026-11-22T10:00:04+00:00",
    });

    const download = await within(daily).findByRole("link", { name: "Download" });
    expect(download).toHaveAttribute("href", "/api/v1/exports/j-tpl/download");
    expect(download).toHaveAttribute("download", "servers-2026-11-22.csv");
    expect(within(daily).getByRole("status")).toHaveTextContent("Completed servers-2026-11-22.csv (12 KB, 240 rows)");
    expect(within(daily).queryByRole("progressbar")).not.toBeInTheDocument();
    expect(sources[0]!.closed).toBe(true);
  });

  it("shows why a run was refused", async () => {
    mockFetch({
      [LIST]: () => jsonResponse([DAILY]),
      "POST /api/v1/templates/t-daily/run": () =>
        problemResponse({ status: 429, title: "Too many exports running", detail: "You have 4 exports queued or running." }),
    });
    const user = userEvent.setup();
    renderTemplates();

    const daily = await screen.findByRole("row", { name: "Servers daily" });
    await user.click(within(daily).getByRole("button", { name: "Run now" }));

    expect(await within(daily).findByRole("alert")).toHaveTextContent("Too many exports running: You have 4 exports queued or running.");
  });

  it("creates a template from the form, showing the server's field errors beside the fields first", async () => {
    let attempts = 0;
    let listed = 0;
    const requests = mockFetch({
      [LIST]: () => jsonResponse(++listed === 1 ? [] : [DAILY]),
      "POST /api/v1/templates": () =>
        ++attempts === 1
          ? problemResponse({
              status: 400,
              title: "The template is not valid",
              errors: {
                name: ["A name of 1 to 100 characters is required."],
                "request.series.timeframe": ["A template's time range is relative ({\"last\": \"24h\"}), so it means the same thing on every run."],
                "request.series.filename": ["Unknown placeholder {host}: use {source}, {template}, {range}, {date} or {date:format}."],
              },
            })
          : jsonResponse(DAILY, 201),
    });
    const user = userEvent.setup();
    renderTemplates();
    await screen.findByText(/No templates yet/);

    await user.click(screen.getByRole("button", { name: "New template" }));
    const dialog = screen.getByRole("dialog", { name: "New template" });
    expect(within(dialog).getByLabelText("Name")).toHaveFocus();
    const requestBox = within(dialog).getByLabelText("Request (JSON)");
    expect(JSON.parse((requestBox as HTMLTextAreaElement).value)).toMatchObject({ kind: "series", series: { timeframe: { last: "24h" } } });

    const absolute = { ...SERVERS_REQUEST, series: { ...SERVERS_REQUEST.series, timeframe: { from: "2026-11-01T00:00:00Z", to: "2026-11-02T00:00:00Z" }, filename: "{host}" } };
    await user.clear(requestBox);
    await user.click(requestBox);
    await user.paste(JSON.stringify(absolute));
    await user.click(within(dialog).getByRole("button", { name: "Create template" }));

    expect(await within(dialog).findByRole("alert")).toHaveTextContent("The template is not valid");
    expect(within(dialog).getByLabelText("Name")).toHaveAccessibleDescription("A name of 1 to 100 characters is required.");
    expect(within(dialog).getByLabelText("Name")).toBeInvalid();
    expect(requestBox).toHaveAccessibleDescription(
      expect.stringContaining("series.timeframe: A template's time range is relative ({\"last\": \"24h\"}), so it means the same thing on every run."),
    );
    expect(requestBox).toHaveAccessibleDescription(expect.stringContaining("series.filename: Unknown placeholder {host}"));

    await user.type(within(dialog).getByLabelText("Name"), "Servers daily");
    await user.type(within(dialog).getByLabelText("Description"), "CPU of every server");
    await user.clear(requestBox);
    await user.click(requestBox);
    await user.paste(JSON.stringify(SERVERS_REQUEST));
    await user.click(within(dialog).getByRole("button", { name: "Create template" }));

    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(await screen.findByRole("row", { name: "Servers daily" })).toBeInTheDocument();
    const posts = requests.filter((request) => request.method === "POST");
    expect(posts).toHaveLength(2);
    expect(posts[0]!.body).toEqual({ name: "", description: "", request: absolute });
    expect(posts[1]!.body).toEqual({ name: "Servers daily", description: "CPU of every server", request: SERVERS_REQUEST });
  });

  it("edits a template as a new version, and refuses a request that is not JSON without asking the server", async () => {
    let listed = 0;
    const saved = { ...DAILY, name: "Servers daily (EU)", version: 4 };
    const requests = mockFetch({
      [LIST]: () => jsonResponse(++listed === 1 ? [DAILY] : [saved]),
      "PUT /api/v1/templates/t-daily": () => jsonResponse(saved),
    });
    const user = userEvent.setup();
    renderTemplates();

    await user.click(within(await screen.findByRole("row", { name: "Servers daily" })).getByRole("button", { name: "Edit" }));
    const dialog = screen.getByRole("dialog", { name: "Edit template" });
    expect(dialog).toHaveAccessibleDescription("Servers daily, version 3. Saving keeps this version in its history.");
    const requestBox = within(dialog).getByLabelText("Request (JSON)") as HTMLTextAreaElement;
    expect(JSON.parse(requestBox.value)).toEqual(SERVERS_REQUEST);

    await user.type(requestBox, "}");
    await user.click(within(dialog).getByRole("button", { name: "Save new version" }));
    expect(requestBox).toHaveAccessibleDescription(expect.stringContaining("This is not valid JSON"));
    expect(requests.some((request) => request.method === "PUT")).toBe(false);

    await user.type(requestBox, "{Backspace}");
    await user.type(within(dialog).getByLabelText("Name"), " (EU)");
    await user.click(within(dialog).getByRole("button", { name: "Save new version" }));

    expect(await screen.findByRole("row", { name: "Servers daily (EU)" })).toBeInTheDocument();
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(requests.find((request) => request.method === "PUT")?.body).toEqual({
      name: "Servers daily (EU)",
      description: DAILY.description,
      request: SERVERS_REQUEST,
    });
  });

  it("shows a name that is taken beside the name", async () => {
    mockFetch({
      [LIST]: () => jsonResponse([DAILY]),
      "POST /api/v1/templates": () =>
        problemResponse({ status: 409, title: "A template with this name exists", detail: "You already have a template named 'Servers daily'." }),
    });
    const user = userEvent.setup();
    renderTemplates();
    await screen.findByRole("row", { name: "Servers daily" });

    await user.click(screen.getByRole("button", { name: "New template" }));
    const dialog = screen.getByRole("dialog", { name: "New template" });
    await user.type(within(dialog).getByLabelText("Name"), "servers daily");
    await user.click(within(dialog).getByRole("button", { name: "Create template" }));

    await waitFor(() =>
      expect(within(dialog).getByLabelText("Name")).toHaveAccessibleDescription("You already have a template named 'Servers daily'."),
    );
  });

  it("lists a template's versions and shows an earlier version's request read-only", async () => {
    const version2 = {
      ...DAILY,
      version: 2,
      name: "Servers",
      description: "",
      request: { ...SERVERS_REQUEST, series: { ...SERVERS_REQUEST.series, timeframe: { last: "6h" } } },
      updatedAt: "2026-11-21T08:00:00+00:00",
    };
    const requests = mockFetch({
      [LIST]: () => jsonResponse([DAILY]),
      "GET /api/v1/templates/t-daily": () =>
        jsonResponse({
          ...DAILY,
          versions: [
            { version: 3, savedAt: "2026-11-22T08:00:00+00:00" },
            { version: 2, savedAt: "2026-11-21T08:00:00+00:00" },
            { version: 1, savedAt: "2026-11-20T08:00:00+00:00" },
          ],
        }),
      "GET /api/v1/templates/t-daily/versions/2": () => jsonResponse(version2),
    });
    const user = userEvent.setup();
    renderTemplates();

    await user.click(within(await screen.findByRole("row", { name: "Servers daily" })).getByRole("button", { name: "History" }));
    const dialog = screen.getByRole("dialog", { name: "Versions of Servers daily" });
    const versions = await within(dialog).findByRole("list", { name: "Versions" });
    expect(within(versions).getAllByRole("button").map((button) => button.textContent)).toEqual([
      "Version 3 (current)",
      "Version 2",
      "Version 1",
    ]);
    expect(within(versions).getByRole("button", { name: "Version 3 (current)" })).toHaveAttribute("aria-pressed", "true");
    const current = within(dialog).getByLabelText("Request (JSON) of version 3") as HTMLTextAreaElement;
    expect(current).toHaveAttribute("readonly");
    expect(JSON.parse(current.value)).toEqual(SERVERS_REQUEST);

    await user.click(within(versions).getByRole("button", { name: "Version 2" }));

    const earlier = (await within(dialog).findByLabelText("Request (JSON) of version 2")) as HTMLTextAreaElement;
    expect(earlier).toHaveAttribute("readonly");
    expect(JSON.parse(earlier.value).series.timeframe).toEqual({ last: "6h" });
    expect(within(dialog).getByText("Name").nextElementSibling).toHaveTextContent("Servers");
    expect(within(versions).getByRole("button", { name: "Version 2" })).toHaveAttribute("aria-pressed", "true");
    expect(requests.map((request) => request.url)).toEqual([
      "/api/v1/templates",
      "/api/v1/templates/t-daily",
      "/api/v1/templates/t-daily/versions/2",
    ]);
  });

  it("deletes a template only once the deletion is confirmed", async () => {
    let listed = 0;
    const requests = mockFetch({
      [LIST]: () => jsonResponse(++listed === 1 ? [AGENTS, DAILY] : [AGENTS]),
      "DELETE /api/v1/templates/t-daily": () => new Response(null, { status: 204 }),
    });
    const user = userEvent.setup();
    renderTemplates();

    const daily = await screen.findByRole("row", { name: "Servers daily" });
    await user.click(within(daily).getByRole("button", { name: "Delete" }));
    let confirm = screen.getByRole("dialog", { name: "Delete template?" });
    expect(confirm).toHaveAccessibleDescription(expect.stringContaining("“Servers daily” is deleted with its earlier versions and its schedules."));
    expect(within(confirm).getByRole("button", { name: "Cancel" })).toHaveFocus();
    await user.click(within(confirm).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(requests.some((request) => request.method === "DELETE")).toBe(false);

    await user.click(within(daily).getByRole("button", { name: "Delete" }));
    confirm = screen.getByRole("dialog", { name: "Delete template?" });
    await user.click(within(confirm).getByRole("button", { name: "Delete template" }));

    await waitFor(() => expect(screen.queryByRole("row", { name: "Servers daily" })).not.toBeInTheDocument());
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(row("Agent failures")).toBeInTheDocument();
    expect(requests.map((request) => `${request.method} ${request.url}`)).toEqual([
      "GET /api/v1/templates",
      "DELETE /api/v1/templates/t-daily",
      "GET /api/v1/templates",
    ]);
  });
});
