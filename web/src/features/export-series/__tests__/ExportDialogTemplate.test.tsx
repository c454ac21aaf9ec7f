import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { ExportQuery } from "../../../lib/export-request";
import { mockEventSource } from "../../../test/event-source";
import { runningJobJson } from "../../../test/export-jobs";
import { jsonResponse, mockFetch, problemResponse, type RecordedRequest } from "../../../test/fetch-mock";
import { serversPreview, serversQuery } from "../../../test/fixtures";
import { renderWithClient } from "../../../test/render";
import { templateJson } from "../../../test/templates";
import { ExportDialog } from "../components/ExportDialog";

const PREVIEW = "POST /api/v1/exports/series/preview";
const SAVE = "POST /api/v1/templates";
const SUBMIT = "POST /api/v1/exports";

async function openDelivery(query: ExportQuery = serversQuery) {
  const user = userEvent.setup();
  const onClose = vi.fn();
  renderWithClient(
    <ExportDialog
      open
      onClose={onClose}
      query={query}
      kind="timeseries"
      previewDelayMs={0}
      historyHref="#/history"
      templatesHref="#/templates"
      scheduleHref={(id) => `#/schedules?template=${id}`}
    />,
  );
  const dialog = screen.getByRole("dialog", { name: "Export data" });
  for (let step = 0; step < 3; step++) await user.click(within(dialog).getByRole("button", { name: "Next" }));
  expect(screen.getByRole("heading", { name: "Step 4 of 4: Delivery" })).toHaveFocus();
  return { user, dialog, onClose };
}

function posts(requests: RecordedRequest[], url: string): RecordedRequest[] {
  return requests.filter((request) => request.method === "POST" && request.url === url);
}

describe("ExportDialog: save as template and schedule", () => {
  beforeEach(() => window.history.replaceState(null, "", "/"));

  it("saves the envelope it would run in the background as a template, under the name given", async () => {
    mockEventSource();
    const requests = mockFetch({
      [PREVIEW]: () => jsonResponse(serversPreview),
      [SAVE]: (request) => jsonResponse(templateJson({ id: "t-new", name: "Servers hourly", request: (request.body as { request: unknown }).request }), 201),
      [SUBMIT]: () => jsonResponse(runningJobJson({ id: "j-bg", status: "pending" }), 202),
    });
    const { user, dialog } = await openDelivery();

    await user.click(within(dialog).getByRole("button", { name: "Save as template" }));
    expect(within(dialog).getByRole("button", { name: "Save as template" })).toHaveAttribute("aria-expanded", "true");
    const form = within(dialog).getByRole("form", { name: "Save as template" });
    const name = within(form).getByLabelText("Template name");
    expect(name).toHaveFocus();
    expect(name).toHaveValue("servers CSV, last 24 hours");
    await user.clear(name);
    await user.type(name, "Servers hourly{Enter}");

    expect(await within(dialog).findByText(/^Saved as template/)).toHaveTextContent("Saved as template “Servers hourly”. Open Templates");
    expect(within(dialog).getByRole("link", { name: "Open Templates" })).toHaveAttribute("href", "#/templates");
    expect(within(dialog).queryByRole("form", { name: "Save as template" })).not.toBeInTheDocument();
    const saved = posts(requests, "/api/v1/templates");
    expect(saved).toHaveLength(1);
    expect(saved[0]!.body).toEqual({
      name: "Servers hourly",
      request: {
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
      },
    });

    // The very envelope "Run in background" sends for the same settings.
    await user.click(within(dialog).getByRole("checkbox", { name: "Run in background" }));
    await user.click(within(dialog).getByRole("button", { name: "Start export" }));
    await waitFor(() => expect(posts(requests, "/api/v1/exports")).toHaveLength(1));
    expect((saved[0]!.body as { request: unknown }).request).toEqual(posts(requests, "/api/v1/exports")[0]!.body);
  });

  it("shows the server's refusal of an absolute range, without changing the range, and leads back to the Data step", async () => {
    const absolute: ExportQuery = { ...serversQuery, timeframe: { from: "2026-11-21T10:00:00.000Z", to: "2026-11-22T10:00:00.000Z" } };
    const requests = mockFetch({
      [PREVIEW]: () => jsonResponse(serversPreview),
      [SAVE]: () =>
        problemResponse({
          status: 400,
          title: "The template is not valid",
          errors: {
            "request.series.timeframe": ["A template's time range is relative ({\"last\": \"24h\"}), so it means the same thing on every run."],
          },
        }),
    });
    const { user, dialog } = await openDelivery(absolute);

    await user.click(within(dialog).getByRole("button", { name: "Save as template" }));
    const name = within(dialog).getByLabelText("Template name");
    expect(name).toHaveValue("servers CSV, custom range");
    await user.click(within(dialog).getByRole("button", { name: "Save template" }));

    const alert = await within(dialog).findByRole("alert");
    expect(alert).toHaveTextContent("The template is not valid");
    expect(alert).toHaveTextContent(
      "timeframe: A template's time range is relative ({\"last\": \"24h\"}), so it means the same thing on every run.",
    );
    const body = posts(requests, "/api/v1/templates")[0]!.body as { request: { series: { timeframe: unknown } } };
    expect(body.request.series.timeframe).toEqual(absolute.timeframe);
    expect(within(dialog).queryByText(/^Saved as template/)).not.toBeInTheDocument();

    await user.click(within(alert).getByRole("button", { name: "Fix in Data" }));
    expect(screen.getByRole("heading", { name: "Step 2 of 4: Data" })).toHaveFocus();
  });

  it("shows a taken name beside the name", async () => {
    mockFetch({
      [PREVIEW]: () => jsonResponse(serversPreview),
      [SAVE]: () =>
        problemResponse({ status: 409, title: "A template with this name exists", detail: "You already have a template named 'servers CSV, last 24 hours'." }),
    });
    const { user, dialog } = await openDelivery();

    await user.click(within(dialog).getByRole("button", { name: "Save as template" }));
    await user.click(within(dialog).getByRole("button", { name: "Save template" }));

    await waitFor(() =>
      expect(within(dialog).getByLabelText("Template name")).toHaveAccessibleDescription(
        "You already have a template named 'servers CSV, last 24 hours'.",
      ),
    );
    expect(within(dialog).queryByRole("alert")).not.toBeInTheDocument();
  });

  it("schedules the export: saves it as a template, closes, and opens the Schedules form with that template", async () => {
    const requests = mockFetch({
      [PREVIEW]: () => jsonResponse(serversPreview),
      [SAVE]: () => jsonResponse(templateJson({ id: "t-new", name: "Servers every morning" }), 201),
    });
    const { user, dialog, onClose } = await openDelivery();

    await user.click(within(dialog).getByRole("button", { name: "Schedule this export…" }));
    const form = within(dialog).getByRole("form", { name: "Schedule this export" });
    await user.clear(within(form).getByLabelText("Template name"));
    await user.type(within(form).getByLabelText("Template name"), "Servers every morning");
    await user.click(within(form).getByRole("button", { name: "Save and schedule" }));

    await waitFor(() => expect(window.location.hash).toBe("#/schedules?template=t-new"));
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(posts(requests, "/api/v1/templates").map((request) => (request.body as { name: string }).name)).toEqual([
      "Servers every morning",
    ]);
  });

  it("schedules a request it has just saved without saving it again", async () => {
    const requests = mockFetch({
      [PREVIEW]: () => jsonResponse(serversPreview),
      [SAVE]: () => jsonResponse(templateJson({ id: "t-saved", name: "servers CSV, last 24 hours" }), 201),
    });
    const { user, dialog, onClose } = await openDelivery();

    await user.click(within(dialog).getByRole("button", { name: "Save as template" }));
    await user.click(within(dialog).getByRole("button", { name: "Save template" }));
    await within(dialog).findByText(/^Saved as template/);
    await user.click(within(dialog).getByRole("button", { name: "Schedule this export…" }));

    expect(window.location.hash).toBe("#/schedules?template=t-saved");
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(posts(requests, "/api/v1/templates")).toHaveLength(1);
  });
});
