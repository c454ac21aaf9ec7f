import { screen, waitFor, within } from "@testing-library/react";
import { render } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { jsonResponse, mockFetch, problemResponse } from "../../test/fetch-mock";
import { demoDashboards, opsOverview } from "../../test/dashboards";
import { serversPreview } from "../../test/fixtures";
import { demoSources } from "../../test/sources";
import { OPS_MAIL } from "../../test/destinations";
import { scheduleJson, templateJson } from "../../test/templates";
import { App } from "../App";

const plots = vi.hoisted(() => [] as { series: { label?: string }[]; data: unknown[] }[]);
vi.mock("uplot", () => ({
  default: class {
    static tzDate = (date: Date) => date;
    constructor(options: { series: { label?: string }[] }, data: unknown[]) {
      plots.push({ series: options.series, data });
    }
    setSize() {}
    destroy() {}
  },
}));

describe("App", () => {
  // The page lives in the address's fragment; every test starts on Explore ("/" is the landing page).
  beforeEach(() => window.history.replaceState(null, "", "/#/explore"));

  it("signs in, previews the first source with a chart, and signs out", async () => {
    vi.stubGlobal("ResizeObserver", class { observe() {} disconnect() {} });
    const requests = mockFetch({
      "GET /api/v1/auth/me": () => problemResponse({ status: 401, title: "Unauthorized" }),
      "POST /api/v1/auth/login": () => jsonResponse({ id: 1, email: "demo@exports.local", name: "Demo" }),
      "GET /api/v1/sources": () => jsonResponse(demoSources),
      // Explore asks for the chart of the whole range too (min and max per pixel column of every series).
      "POST /api/v1/exports/series/preview?chartWidth=800": () =>
        jsonResponse({
          ...serversPreview,
          chart: {
            width: 800,
            from: serversPreview.from,
            to: serversPreview.to,
            seriesTotal: 2,
            series: [
              { name: "cpu_percent · web-01", columns: [0, 799], min: [41.5, 44], max: [41.5, 44] },
              { name: "cpu_percent · web-02", columns: [0], min: [37.25], max: [37.25] },
            ],
          },
        }),
      "POST /api/v1/auth/logout": () => new Response(null, { status: 204 }),
    });
    const user = userEvent.setup();
    render(<App />);

    await user.type(await screen.findByLabelText("Email"), "demo@exports.local");
    await user.type(screen.getByLabelText("Password"), "demo-password");
    await user.click(screen.getByRole("button", { name: "Sign in" }));

    expect(await screen.findByText("demo@exports.local")).toBeInTheDocument();
    const table = await screen.findByRole("table");
    expect(within(table).getAllByRole("row")).toHaveLength(5);
    expect(within(table).getAllByRole("row")[1]).toHaveTextContent("web-0141.5");
    expect(screen.getByText("Tier").nextElementSibling).toHaveTextContent("hourly");
    expect(screen.getByText("Estimated rows").nextElementSibling).toHaveTextContent("48");
    await waitFor(() =>
      expect(plots.at(-1)?.series.map((series) => series.label)).toEqual([undefined, "cpu_percent · web-01", "cpu_percent · web-02"]),
    );

    const preview = requests.find((request) => request.url === "/api/v1/exports/series/preview?chartWidth=800");
    expect(preview?.body).toMatchObject({
      source: "servers",
      metrics: ["cpu_percent"],
      timeframe: { last: "24h" },
      granularity: "auto",
      format: "csv",
    });

    await user.click(screen.getByRole("button", { name: "Log out" }));
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeInTheDocument();
    expect(requests.map((request) => `${request.method} ${request.url}`)).toContain("POST /api/v1/auth/logout");
  });

  it("switches between Explore and Dashboards from the navigation and keeps the choice in the address", async () => {
    vi.stubGlobal("ResizeObserver", class { observe() {} disconnect() {} });
    mockFetch({
      "GET /api/v1/auth/me": () => jsonResponse({ id: 1, email: "demo@exports.local", name: "Demo" }),
      "GET /api/v1/sources": () => jsonResponse(demoSources),
      "POST /api/v1/exports/series/preview": () => jsonResponse(serversPreview),
      "GET /api/v1/dashboards": () => jsonResponse(demoDashboards),
      "GET /api/v1/dashboards/ops-overview": () => jsonResponse(opsOverview),
    });
    const user = userEvent.setup();
    render(<App />);

    const nav = await screen.findByRole("navigation", { name: "Main" });
    expect(within(nav).getByRole("link", { name: "Explore" })).toHaveAttribute("aria-current", "page");
    expect(await screen.findByRole("complementary", { name: "Query" })).toBeInTheDocument();

    await user.click(within(nav).getByRole("link", { name: "Dashboards" }));
    await user.click(await screen.findByRole("button", { name: "Ops overview" }));
    expect(await screen.findByRole("img", { name: "Preview of Ops overview" })).toBeInTheDocument();
    expect(window.location.hash).toBe("#/dashboards/ops-overview");
    expect(within(nav).getByRole("link", { name: "Dashboards" })).toHaveAttribute("aria-current", "page");
    expect(screen.queryByRole("complementary", { name: "Query" })).not.toBeInTheDocument();

    await user.click(within(nav).getByRole("link", { name: "Explore" }));
    expect(await screen.findByRole("complementary", { name: "Query" })).toBeInTheDocument();
    expect(within(nav).getByRole("link", { name: "Explore" })).toHaveAttribute("aria-current", "page");
  });
  it("opens History from the navigation and keeps it in the address", async () => {
    vi.stubGlobal("ResizeObserver", class { observe() {} disconnect() {} });
    mockFetch({
      "GET /api/v1/auth/me": () => jsonResponse({ id: 1, email: "demo@exports.local", name: "Demo" }),
      "GET /api/v1/sources": () => jsonResponse(demoSources),
      "POST /api/v1/exports/series/preview": () => jsonResponse(serversPreview),
      "GET /api/v1/exports?limit=25": () => jsonResponse({ items: [], nextCursor: null }),
    });
    const user = userEvent.setup();
    render(<App />);

    const nav = await screen.findByRole("navigation", { name: "Main" });
    await user.click(within(nav).getByRole("link", { name: "History" }));

    expect(await screen.findByRole("heading", { level: 1, name: "Export history" })).toBeInTheDocument();
    expect(window.location.hash).toBe("#/history");
    expect(within(nav).getByRole("link", { name: "History" })).toHaveAttribute("aria-current", "page");
    expect(await screen.findByText(/No exports yet/)).toBeInTheDocument();
  });

  it("opens Destinations from the navigation and keeps it in the address", async () => {
    vi.stubGlobal("ResizeObserver", class { observe() {} disconnect() {} });
    mockFetch({
      "GET /api/v1/auth/me": () => jsonResponse({ id: 1, email: "demo@exports.local", name: "Demo" }),
      "GET /api/v1/sources": () => jsonResponse(demoSources),
      "POST /api/v1/exports/series/preview": () => jsonResponse(serversPreview),
      "GET /api/v1/destinations": () => jsonResponse([OPS_MAIL]),
    });
    const user = userEvent.setup();
    render(<App />);

    const nav = await screen.findByRole("navigation", { name: "Main" });
    await user.click(within(nav).getByRole("link", { name: "Destinations" }));

    expect(await screen.findByRole("heading", { level: 1, name: "Destinations" })).toBeInTheDocument();
    expect(window.location.hash).toBe("#/destinations");
    expect(within(nav).getByRole("link", { name: "Destinations" })).toHaveAttribute("aria-current", "page");
    expect(await screen.findByRole("row", { name: "Ops inbox" })).toBeInTheDocument();
  });

  it("opens Sources from the navigation, a source's page from the list, and says so for a source that does not exist", async () => {
    vi.stubGlobal("ResizeObserver", class { observe() {} disconnect() {} });
    mockFetch({
      "GET /api/v1/auth/me": () => jsonResponse({ id: 1, email: "demo@exports.local", name: "Demo" }),
      "GET /api/v1/sources": () => jsonResponse(demoSources),
      "POST /api/v1/exports/series/preview": () => jsonResponse(serversPreview),
      "GET /api/v1/sources/servers/sinks": () => jsonResponse([]),
      "GET /api/v1/sources/servers/stream-tokens": () => jsonResponse({ tokens: [] }),
    });
    const user = userEvent.setup();
    render(<App />);

    const nav = await screen.findByRole("navigation", { name: "Main" });
    await user.click(within(nav).getByRole("link", { name: "Sources" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Sources" })).toBeInTheDocument();
    expect(window.location.hash).toBe("#/sources");
    expect(within(nav).getByRole("link", { name: "Sources" })).toHaveAttribute("aria-current", "page");
    const row = await screen.findByRole("row", { name: "servers" });
    expect(within(row).getByRole("link", { name: "Explore" })).toHaveAttribute("href", "#/explore?source=servers");

    await user.click(within(row).getByRole("link", { name: "servers" }));
    expect(await screen.findByRole("heading", { level: 1, name: /servers/ })).toBeInTheDocument();
    expect(window.location.hash).toBe("#/sources/servers");
    await waitFor(() => expect(document.title).toBe("servers · Sources · Exports"));
    expect(await screen.findByText(/No sinks yet/)).toBeInTheDocument();
    expect(await screen.findByText(/No stream tokens yet/)).toBeInTheDocument();

    window.location.hash = "#/sources/nope";
    expect(await screen.findByRole("heading", { level: 1, name: "No source named “nope”" })).toBeInTheDocument();
    await user.click(screen.getByRole("link", { name: "Back to all sources" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Sources" })).toBeInTheDocument();
    expect(window.location.hash).toBe("#/sources");
  });

  it("opens Templates and Schedules from the navigation, and the Schedules form with the template the address names", async () => {
    const template = templateJson({ id: "t-daily", name: "Servers daily" });
    window.history.replaceState(null, "", "/#/schedules?template=t-daily");
    mockFetch({
      "GET /api/v1/auth/me": () => jsonResponse({ id: 1, email: "demo@exports.local", name: "Demo" }),
      "GET /api/v1/templates": () => jsonResponse([template]),
      "GET /api/v1/schedules": () => jsonResponse([scheduleJson({ id: "s-daily", templateId: "t-daily" })]),
      "GET /api/v1/destinations": () => jsonResponse([]),
    });
    const user = userEvent.setup();
    render(<App />);

    const nav = await screen.findByRole("navigation", { name: "Main" });
    expect(within(nav).getByRole("link", { name: "Schedules" })).toHaveAttribute("aria-current", "page");
    expect(await screen.findByRole("heading", { level: 1, name: "Schedules" })).toBeInTheDocument();
    const form = screen.getByRole("form", { name: "New schedule" });
    await waitFor(() => expect(within(form).getByLabelText("Template")).toHaveDisplayValue("Servers daily"));

    await user.click(within(nav).getByRole("link", { name: "Templates" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Templates" })).toBeInTheDocument();
    expect(window.location.hash).toBe("#/templates");
    expect(within(nav).getByRole("link", { name: "Templates" })).toHaveAttribute("aria-current", "page");
    const row = await screen.findByRole("row", { name: "Servers daily" });
    expect(within(row).getByRole("link", { name: "Schedule" })).toHaveAttribute("href", "#/schedules?template=t-daily");

    await user.click(within(nav).getByRole("link", { name: "Schedules" }));
    expect(await screen.findByRole("row", { name: "Servers daily" })).toBeInTheDocument();
    expect(window.location.hash).toBe("#/schedules");
    expect(screen.queryByRole("form", { name: "New schedule" })).not.toBeInTheDocument();
  });
});
