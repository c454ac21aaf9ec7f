import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { captureDownloads, jsonResponse, mockFetch, problemResponse } from "../../../test/fetch-mock";
import { demoDashboards, fileResponse, OPS_ID, opsOverview, serverWeb03, SERVER_ID } from "../../../test/dashboards";
import { renderWithClient } from "../../../test/render";
import { DashboardsView } from "../components/DashboardsView";

const OPS = `/api/v1/dashboards/${OPS_ID}`;

function Harness({ initial }: { initial?: string }) {
  const [selected, setSelected] = useState(initial);
  return <DashboardsView selected={selected} onSelect={setSelected} />;
}

function dashboardRoutes() {
  return {
    "GET /api/v1/dashboards": () => jsonResponse(demoDashboards),
    "GET /api/v1/dashboards/ops-overview": () => jsonResponse(opsOverview),
    "GET /api/v1/dashboards/server-web-03": () => jsonResponse(serverWeb03),
  };
}

async function openOps(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByRole("button", { name: "Ops overview" }));
  return screen.findByRole("img", { name: "Preview of Ops overview" });
}

afterEach(() => vi.restoreAllMocks());

describe("DashboardsView", () => {
  it("lists the dashboards and previews the selected one with its own settings", async () => {
    mockFetch(dashboardRoutes());
    const user = userEvent.setup();
    renderWithClient(<Harness />);

    const list = await screen.findByRole("navigation", { name: "Dashboard list" });
    expect(within(list).getAllByRole("button").map((button) => button.textContent)).toEqual([
      expect.stringContaining("Agent commands"),
      expect.stringContaining("Ops overview"),
      expect.stringContaining("Server web-03"),
    ]);
    expect(screen.getByText("Choose a dashboard to preview and export it.")).toBeInTheDocument();

    const preview = await openOps(user);
    expect(screen.getByRole("button", { name: "Ops overview" })).toHaveAttribute("aria-current", "true");
    expect(screen.getByRole("heading", { level: 1, name: "Ops overview" })).toBeInTheDocument();
    expect(preview).toHaveAttribute("src", `${OPS}/export.png?last=24h&theme=light&scale=1`);
    // Until the image arrives the preview says it is drawing; once loaded it does not.
    expect(screen.getByText("Drawing the preview…")).toHaveAttribute("role", "status");
    fireEvent.load(preview);
    expect(screen.queryByText("Drawing the preview…")).not.toBeInTheDocument();

    const widgets = screen.getByRole("region", { name: "Widgets" });
    expect(within(widgets).getAllByRole("listitem").map((item) => item.firstChild?.textContent)).toEqual([
      "CPU by server",
      "Average CPU, all servers",
      "About",
    ]);
  });

  it("starts from a dashboard's saved theme, page and scale", async () => {
    mockFetch(dashboardRoutes());
    renderWithClient(<Harness initial="server-web-03" />);

    const preview = await screen.findByRole("img", { name: "Preview of Server web-03" });
    expect(preview).toHaveAttribute("src", `/api/v1/dashboards/${SERVER_ID}/export.png?last=7d&theme=dark&scale=2`);
    expect(screen.getByLabelText("Theme")).toHaveValue("dark");
    expect(screen.getByLabelText("Page size")).toHaveValue("Letter");
    expect(screen.getByLabelText("Orientation")).toHaveValue("landscape");
    expect(screen.getByLabelText("Scale")).toHaveValue("2");
    expect(within(screen.getByRole("group", { name: "Time range" })).getByRole("button", { name: "7d" })).toHaveAttribute(
      "aria-pressed",
      "true",
    );
  });

  it("encodes the chosen options in the preview (PNG options only)", async () => {
    mockFetch(dashboardRoutes());
    const user = userEvent.setup();
    renderWithClient(<Harness />);
    const preview = await openOps(user);

    await user.click(within(screen.getByRole("group", { name: "Time range" })).getByRole("button", { name: "7d" }));
    await user.selectOptions(screen.getByLabelText("Theme"), "Dark");
    await user.selectOptions(screen.getByLabelText("Scale"), "2x");
    await waitFor(() => expect(preview).toHaveAttribute("src", `${OPS}/export.png?last=7d&theme=dark&scale=2`));

    // Page size and orientation only change a PDF: the PNG preview is not drawn again for them.
    await user.selectOptions(screen.getByLabelText("Page size"), "A3");
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(preview).toHaveAttribute("src", `${OPS}/export.png?last=7d&theme=dark&scale=2`);
  });

  it("exports the PDF with the current options and saves it under the server's name", async () => {
    const pdfUrl = `${OPS}/export.pdf?last=6h&theme=dark&page=Letter&orientation=landscape`;
    const requests = mockFetch({
      ...dashboardRoutes(),
      [`GET ${pdfUrl}`]: () =>
        fileResponse("%PDF-1.7 fake", "Ops overview-2026-11-22.pdf", "application/pdf", {
          pages: 2,
          widgets: [
            { id: "cpu", status: "ok", message: null },
            { id: "cpu-avg", status: "no-data", message: null },
          ],
        }),
    });
    const saved = captureDownloads();
    const user = userEvent.setup();
    renderWithClient(<Harness />);
    await openOps(user);

    await user.click(within(screen.getByRole("group", { name: "Time range" })).getByRole("button", { name: "6h" }));
    await user.selectOptions(screen.getByLabelText("Theme"), "dark");
    await user.selectOptions(screen.getByLabelText("Page size"), "Letter");
    await user.selectOptions(screen.getByLabelText("Orientation"), "Landscape");
    await user.click(screen.getByRole("button", { name: "Export PDF" }));

    expect(await screen.findByText(/Downloaded Ops overview-2026-11-22\.pdf \(13 B, 2 pages\)/)).toBeInTheDocument();
    expect(screen.getByText("Average CPU, all servers: no data")).toBeInTheDocument();
    const exportRequest = requests.find((request) => request.url.includes("/export."))!;
    expect(exportRequest).toMatchObject({ method: "GET", url: pdfUrl });
    expect(saved).toHaveLength(1);
    expect(saved[0]!.filename).toBe("Ops overview-2026-11-22.pdf");
    expect(saved[0]!.blob.type).toBe("application/pdf");
    expect(await saved[0]!.blob.text()).toBe("%PDF-1.7 fake");
  });

  it("shows the Problem Details of a rejected export with the option it names, and saves nothing", async () => {
    mockFetch({
      ...dashboardRoutes(),
      [`GET ${OPS}/export.pdf?last=24h&theme=light&page=A4&orientation=portrait`]: () =>
        problemResponse({
          status: 400,
          title: "The request is not valid",
          errors: { "page.size": ["page.size is A4, A3, Letter, Legal or custom."] },
        }),
    });
    const saved = captureDownloads();
    const user = userEvent.setup();
    renderWithClient(<Harness />);
    await openOps(user);

    await user.click(screen.getByRole("button", { name: "Export PDF" }));

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("The request is not valid");
    expect(alert).toHaveTextContent("Page size: page.size is A4, A3, Letter, Legal or custom.");
    expect(screen.getByRole("button", { name: "Export PDF" })).toBeEnabled();
    expect(saved).toHaveLength(0);
  });

  it("exports one widget from its menu with the current options", async () => {
    const pngUrl = `${OPS}/widgets/cpu/export.png?last=24h&theme=light&scale=2`;
    const requests = mockFetch({
      ...dashboardRoutes(),
      [`GET ${pngUrl}`]: () => fileResponse("\x89PNG", "Ops overview CPU by server-2026-11-22.png", "image/png"),
    });
    const saved = captureDownloads();
    const user = userEvent.setup();
    renderWithClient(<Harness />);
    await openOps(user);
    await user.selectOptions(screen.getByLabelText("Scale"), "2");

    await user.click(screen.getByRole("button", { name: "Panel menu: CPU by server" }));
    expect(screen.getAllByRole("menuitem").map((item) => item.textContent)).toEqual([
      "PNGImage of the panel",
      "PDFDocument",
      "CSVData, comma-separated",
      "ExcelData, .xlsx workbook",
      "JSONData with its metadata",
    ]);
    await user.click(screen.getByRole("menuitem", { name: "PNG" }));

    const widgets = screen.getByRole("region", { name: "Widgets" });
    expect(await within(widgets).findByText(/Downloaded Ops overview CPU by server-2026-11-22\.png/)).toBeInTheDocument();
    expect(requests.filter((request) => request.url.includes("/export.")).map((request) => request.url)).toEqual([pngUrl]);
    expect(saved.map((file) => file.filename)).toEqual(["Ops overview CPU by server-2026-11-22.png"]);
  });

  it("hands a panel's data (CSV, Excel, JSON) to the browser's download manager with the current range", async () => {
    const requests = mockFetch(dashboardRoutes());
    const clicked: { href: string; download: string }[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push({ href: this.getAttribute("href") ?? "", download: this.download });
    });
    const user = userEvent.setup();
    renderWithClient(<Harness />);
    await openOps(user);
    await user.click(within(screen.getByRole("group", { name: "Time range" })).getByRole("button", { name: "7d" }));

    await user.click(screen.getByRole("button", { name: "Panel menu: CPU by server" }));
    await user.click(screen.getByRole("menuitem", { name: "CSV" }));
    await user.click(screen.getByRole("button", { name: "Panel menu: Average CPU, all servers" }));
    await user.click(screen.getByRole("menuitem", { name: "Excel" }));

    expect(clicked).toEqual([
      { href: `${OPS}/widgets/cpu/export.csv?last=7d`, download: "ops-overview-cpu.csv" },
      { href: `${OPS}/widgets/cpu-avg/export.xlsx?last=7d`, download: "ops-overview-cpu-avg.xlsx" },
    ]);
    // The page fetched no data itself: the browser streams the file.
    expect(requests.some((request) => request.url.includes("/export.csv") || request.url.includes("/export.xlsx"))).toBe(false);
    expect(screen.getByText(/Average CPU, all servers as Excel: your browser is downloading it/)).toHaveAttribute("role", "status");

    // A text panel has no data: its data items say so and cannot be chosen; its image can.
    await user.click(screen.getByRole("button", { name: "Panel menu: About" }));
    expect(screen.getByRole("menuitem", { name: "CSV" })).toBeDisabled();
    expect(screen.getByRole("menuitem", { name: "CSV" })).toHaveAccessibleDescription("A text panel has no data");
    expect(screen.getByRole("menuitem", { name: "PNG" })).toBeEnabled();
  });

  it("puts a panel menu on each widget of the preview, where the renderer draws it", async () => {
    mockFetch(dashboardRoutes());
    const clicked: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.getAttribute("href") ?? "");
    });
    const user = userEvent.setup();
    renderWithClient(<Harness />);
    const preview = await openOps(user);
    // Only once the image is there: the menus sit on what it shows.
    expect(screen.queryByRole("button", { name: "CPU by server: panel menu on the preview" })).not.toBeInTheDocument();
    fireEvent.load(preview);

    const button = screen.getByRole("button", { name: "CPU by server: panel menu on the preview" });
    const panel = button.closest<HTMLElement>(".preview-panel")!;
    expect(parseFloat(panel.style.left)).toBeCloseTo((16 / 1600) * 100, 4);
    expect(screen.getAllByRole("button", { name: /panel menu on the preview$/ })).toHaveLength(3);
    await user.click(button);
    await user.click(screen.getByRole("menuitem", { name: "JSON" }));
    expect(clicked).toEqual([`${OPS}/widgets/cpu/export.json?last=24h`]);
  });

  it("explains a preview the server refused", async () => {
    const previewUrl = `${OPS}/export.png?last=24h&theme=light&scale=1`;
    mockFetch({
      ...dashboardRoutes(),
      [`GET ${previewUrl}`]: () =>
        problemResponse({
          status: 400,
          title: "The request is not valid",
          errors: { widgets: ["The layout is too large to draw."] },
        }),
    });
    const user = userEvent.setup();
    renderWithClient(<Harness />);
    const preview = await openOps(user);

    fireEvent.error(preview);

    // The image only says it failed; the same address fetched once more tells why.
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("The request is not valid"));
    expect(screen.getByRole("alert")).toHaveTextContent("widgets: The layout is too large to draw.");
    expect(screen.queryByRole("img", { name: "Preview of Ops overview" })).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Try again" })).toBeInTheDocument();
  });

  it("turns the public link on, offers its addresses to copy, and revokes it", async () => {
    const requests = mockFetch({
      ...dashboardRoutes(),
      [`POST ${OPS}/share`]: () =>
        jsonResponse({
          png: "/api/v1/public/dashboards/shr_abc/export.png",
          pdf: "/api/v1/public/dashboards/shr_abc/export.pdf",
          sharedAt: "2026-11-22T05:00:00+00:00",
        }),
      [`DELETE ${OPS}/share`]: () => new Response(null, { status: 204 }),
    });
    const user = userEvent.setup();
    renderWithClient(<Harness />);
    await openOps(user);

    const toggle = screen.getByRole("switch", { name: "Share link" });
    expect(toggle).not.toBeChecked();
    await user.click(toggle);

    const png = await screen.findByLabelText("Public PNG link");
    expect(png).toHaveValue(`${window.location.origin}/api/v1/public/dashboards/shr_abc/export.png`);
    expect(screen.getByLabelText("Public PDF link")).toHaveValue(
      `${window.location.origin}/api/v1/public/dashboards/shr_abc/export.pdf`,
    );
    expect(toggle).toBeChecked();
    await user.click(screen.getByRole("button", { name: "Copy public pdf link" }));
    expect(await navigator.clipboard.readText()).toBe(`${window.location.origin}/api/v1/public/dashboards/shr_abc/export.pdf`);
    expect(screen.getByText("Copied.")).toBeInTheDocument();

    await user.click(toggle);
    await waitFor(() => expect(toggle).not.toBeChecked());
    expect(screen.queryByLabelText("Public PNG link")).not.toBeInTheDocument();
    expect(requests.map((request) => `${request.method} ${request.url}`)).toEqual(
      expect.arrayContaining([`POST ${OPS}/share`, `DELETE ${OPS}/share`]),
    );
  });

  it("offers a new link for a dashboard already shared, whose address the server no longer knows", async () => {
    const requests = mockFetch({
      "GET /api/v1/dashboards": () =>
        jsonResponse({ dashboards: demoDashboards.dashboards.map((d) => (d.id === OPS_ID ? { ...d, shared: true } : d)) }),
      "GET /api/v1/dashboards/ops-overview": () => jsonResponse({ ...opsOverview, shared: true }),
      [`POST ${OPS}/share`]: () =>
        jsonResponse({ png: "/api/v1/public/dashboards/shr_new/export.png", pdf: "/api/v1/public/dashboards/shr_new/export.pdf" }),
    });
    const user = userEvent.setup();
    renderWithClient(<Harness />);
    expect(await screen.findByRole("button", { name: "Ops overview" })).toHaveAccessibleDescription(
      "Shared Ten servers at a glance, last 24 hours",
    );
    await openOps(user);

    expect(screen.getByRole("switch", { name: "Share link" })).toBeChecked();
    await user.click(screen.getByRole("button", { name: "Make a new link" }));

    expect(await screen.findByLabelText("Public PNG link")).toHaveValue(
      `${window.location.origin}/api/v1/public/dashboards/shr_new/export.png`,
    );
    expect(requests.filter((request) => request.method === "POST")).toHaveLength(1);
  });
});
