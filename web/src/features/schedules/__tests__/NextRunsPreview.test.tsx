import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { jsonResponse, mockFetch, problemResponse, type RecordedRequest } from "../../../test/fetch-mock";
import { renderWithClient } from "../../../test/render";
import { templateJson } from "../../../test/templates";
import { SchedulesView } from "../components/SchedulesView";

const PREVIEW = "POST /api/v1/schedules/preview?count=5";

/** A server whose preview answers five days at 09:00 in the zone asked for (UTC, Berlin +01:00, Kolkata +05:30). */
function preview(request: RecordedRequest) {
  const body = request.body as { timezone: string; cron?: string; window?: string };
  if (body.cron === "61 * * * *") {
    return problemResponse({
      status: 400,
      title: "The schedule is not valid",
      errors: { cron: ["Not a valid cron expression: Minute values must be between 0 and 59."] },
    });
  }
  const offset = { "Asia/Kolkata": "+05:30", "Europe/Berlin": "+01:00" }[body.timezone] ?? "+00:00";
  return jsonResponse({
    cron: "0 0 9 * * ?",
    timezone: body.timezone,
    runs: [23, 24, 25, 26, 27].map((day) => ({
      at: `2026-11-${day}T09:00:00${offset}`,
      ...(body.window ? { waitsUntil: `2026-11-${day}T10:00:00${offset}` } : {}),
    })),
  });
}

function renderNewSchedule() {
  const requests = mockFetch({
    "GET /api/v1/schedules": () => jsonResponse([]),
    "GET /api/v1/templates": () => jsonResponse([templateJson({ id: "t-daily", name: "Servers daily" })]),
    "GET /api/v1/destinations": () => jsonResponse([]),
    [PREVIEW]: preview,
  });
  renderWithClient(<SchedulesView templatesHref="#/templates" />);
  return requests;
}

function previews(requests: RecordedRequest[]) {
  return requests.filter((r) => r.url === "/api/v1/schedules/preview?count=5").map((r) => r.body);
}

describe("Next runs preview", () => {
  it("shows the next runs before saving, and asks again when the zone or the window changes", async () => {
    const requests = renderNewSchedule();
    const user = userEvent.setup();
    await screen.findByText(/No schedules yet/);
    await user.click(screen.getByRole("button", { name: "New schedule" }));
    const form = screen.getByRole("form", { name: "New schedule" });
    const zone = within(form).getByRole("combobox", { name: "Time zone" });
    await user.clear(zone);
    await user.paste("Europe/Berlin");

    const list = await within(form).findByRole("list", { name: "Next runs preview" });
    await waitFor(() =>
      expect(within(list).getAllByRole("listitem").map((item) => item.querySelector("time")!.getAttribute("datetime"))).toEqual(
        [23, 24, 25, 26, 27].map((day) => `2026-11-${day}T09:00:00+01:00`),
      ),
    );
    expect(previews(requests).at(-1)).toEqual({ frequency: { every: "daily", time: "09:00" }, timezone: "Europe/Berlin" });

    await user.clear(zone);
    await user.paste("Asia/Kolkata");
    await waitFor(() => expect(within(list).getAllByRole("listitem")[0]!.querySelector("time")).toHaveAttribute("datetime", "2026-11-23T09:00:00+05:30"));
    expect(within(form).getByText(/In Asia\/Kolkata, as this server will run them/)).toBeInTheDocument();

    const window = within(form).getByRole("group", { name: "Window" });
    await user.type(within(window).getByLabelText("From"), "10:00");
    await user.type(within(window).getByLabelText("To"), "18:00");
    await waitFor(() => expect(within(list).getAllByRole("listitem")[0]).toHaveTextContent(/starts at 10:00, when the window opens/));
    expect(previews(requests).at(-1)).toEqual({ frequency: { every: "daily", time: "09:00" }, timezone: "Asia/Kolkata", window: "10:00-18:00" });
    // Nothing was saved.
    expect(requests.filter((r) => r.url === "/api/v1/schedules" && r.method === "POST")).toHaveLength(0);
  }, 30_000);

  it("says why there are no runs to show while the cron is not valid", async () => {
    renderNewSchedule();
    const user = userEvent.setup();
    await screen.findByText(/No schedules yet/);
    await user.click(screen.getByRole("button", { name: "New schedule" }));
    const form = screen.getByRole("form", { name: "New schedule" });
    await user.click(within(form).getByRole("radio", { name: "Custom cron" }));
    await user.type(within(form).getByLabelText("Cron expression"), "61 * * * *");
    expect(await within(form).findByText(/No runs to show: Not a valid cron expression: Minute values must be between 0 and 59\./)).toBeInTheDocument();
    expect(within(form).queryByRole("list", { name: "Next runs preview" })).not.toBeInTheDocument();
  });
});
