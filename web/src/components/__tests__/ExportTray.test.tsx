import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { mockEventSource } from "../../test/event-source";
import { jobJson, runningJobJson } from "../../test/export-jobs";
import { jsonResponse, mockFetch } from "../../test/fetch-mock";
import { renderWithClient } from "../../test/render";
import { ExportTray } from "../ExportTray";

const RECENT = "GET /api/v1/exports?limit=10";
const RUNNING = runningJobJson({ id: "j-run", updatedAt: "2026-11-22T10:00:02+00:00" });

function completedFrom(job: typeof RUNNING) {
  return { ...job, status: "completed", phase: "done", percent: 100, rowCount: 2_160_000, sizeBytes: 136_314_880, updatedAt: "2026-11-22T10:00:09+00:00" };
}

function captureLinks(): string[] {
  const clicked: string[] = [];
  vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
    clicked.push(this.getAttribute("href") ?? "");
  });
  return clicked;
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe("ExportTray", () => {
  it("follows a running background export, says when it is ready, and downloads it", async () => {
    const sources = mockEventSource();
    mockFetch({ [RECENT]: () => jsonResponse({ items: [RUNNING], nextCursor: null }) });
    const clicked = captureLinks();
    const user = userEvent.setup();
    renderWithClient(<ExportTray pollMs={60_000} />);

    const toggle = await screen.findByRole("button", { name: "Exports: 1 running" });
    expect(toggle).toHaveAttribute("aria-expanded", "false");
    expect(screen.queryByRole("region", { name: "Background exports" })).not.toBeInTheDocument();
    await user.click(toggle);

    const panel = screen.getByRole("region", { name: "Background exports" });
    const item = within(panel).getByRole("listitem", { name: RUNNING.fileName });
    expect(within(item).getByRole("progressbar", { name: `Progress of ${RUNNING.fileName}` })).toHaveAttribute("value", "25");
    expect(within(item).getByRole("link", { name: "Open in History" })).toHaveAttribute("href", "#/history");
    expect(within(item).queryByRole("button", { name: "Download" })).not.toBeInTheDocument();
    // Closing the panel does not stop following: the toast below comes while it is closed.
    await user.click(toggle);
    expect(sources.map((source) => source.url)).toEqual(["/api/v1/exports/j-run/events"]);

    sources[0]!.emit("state", completedFrom(RUNNING));

    const toasts = screen.getAllByRole("status").find((element) => element.classList.contains("tray-toasts"))!;
    await waitFor(() => expect(toasts).toHaveTextContent(`${RUNNING.fileName} is ready.`));
    expect(screen.getByRole("button", { name: "Exports: 1 finished" })).toBeInTheDocument();
    await user.click(within(toasts).getByRole("button", { name: "Download" }));
    expect(clicked).toEqual(["/api/v1/exports/j-run/download"]);

    await user.click(screen.getByRole("button", { name: "Exports: 1 finished" }));
    const done = within(screen.getByRole("region", { name: "Background exports" })).getByRole("listitem", { name: RUNNING.fileName });
    expect(within(done).getByText("Completed")).toBeInTheDocument();
    expect(within(done).queryByRole("progressbar")).not.toBeInTheDocument();
    await user.click(within(done).getByRole("button", { name: "Dismiss" }));
    await waitFor(() => expect(screen.queryByRole("listitem", { name: RUNNING.fileName })).not.toBeInTheDocument());
  });

  it("leaves out exports that finished before the page opened, and direct downloads", async () => {
    mockEventSource();
    mockFetch({
      [RECENT]: () =>
        jsonResponse({
          items: [
            RUNNING,
            jobJson({ id: "old", fileName: "old.csv", createdAt: "2020-01-01T00:00:00+00:00" }),
            jobJson({ id: "direct", fileName: "direct.csv", direct: true, createdAt: new Date().toISOString() }),
            jobJson({ id: "new", fileName: "new.csv", createdAt: new Date().toISOString() }),
          ],
          nextCursor: null,
        }),
    });
    const user = userEvent.setup();
    renderWithClient(<ExportTray pollMs={60_000} />);

    await user.click(await screen.findByRole("button", { name: "Exports: 1 running" }));
    const panel = screen.getByRole("region", { name: "Background exports" });
    expect(within(panel).getAllByRole("listitem").map((item) => item.getAttribute("aria-labelledby") && item.querySelector(".tray-name")?.textContent)).toEqual([
      RUNNING.fileName,
      "new.csv",
    ]);
  });

  it("asks for desktop notifications only when clicked, then notifies when an export finishes", async () => {
    const sources = mockEventSource();
    const shown: { title: string; body: string | undefined }[] = [];
    const requestPermission = vi.fn(async () => {
      FakeNotification.permission = "granted";
      return "granted" as NotificationPermission;
    });
    class FakeNotification {
      static permission: NotificationPermission = "default";
      static requestPermission = requestPermission;
      constructor(title: string, options?: NotificationOptions) {
        shown.push({ title, body: options?.body });
      }
    }
    vi.stubGlobal("Notification", FakeNotification);
    mockFetch({ [RECENT]: () => jsonResponse({ items: [RUNNING], nextCursor: null }) });
    const user = userEvent.setup();
    renderWithClient(<ExportTray pollMs={60_000} />);

    await user.click(await screen.findByRole("button", { name: "Exports: 1 running" }));
    expect(requestPermission).not.toHaveBeenCalled();
    await user.click(screen.getByRole("button", { name: "Notify me on this computer when exports finish" }));
    expect(requestPermission).toHaveBeenCalledTimes(1);
    await waitFor(() =>
      expect(screen.queryByRole("button", { name: "Notify me on this computer when exports finish" })).not.toBeInTheDocument(),
    );

    sources[0]!.emit("state", completedFrom(RUNNING));
    await waitFor(() => expect(shown).toEqual([{ title: "Export completed", body: RUNNING.fileName }]));
  });
});
