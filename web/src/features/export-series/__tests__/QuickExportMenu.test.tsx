import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { mockEventSource } from "../../../test/event-source";
import { runningJobJson } from "../../../test/export-jobs";
import { captureDownloads, captureLinkDownloads, directLinkResponse, jsonResponse, mockFetch, problemResponse } from "../../../test/fetch-mock";
import { serversQuery } from "../../../test/fixtures";
import { renderWithClient } from "../../../test/render";
import { QuickExportMenu } from "../components/QuickExportMenu";

const DIRECT = "POST /api/v1/exports/series/direct";

describe("QuickExportMenu", () => {
  it("downloads the current query as CSV from the menu", async () => {
    const requests = mockFetch({ [DIRECT]: () => directLinkResponse("servers-24h.csv") });
    const started = captureLinkDownloads();
    const user = userEvent.setup();
    renderWithClient(<QuickExportMenu query={serversQuery} onMoreOptions={vi.fn()} />);

    await user.click(screen.getByRole("button", { name: "Export" }));
    expect(screen.getByRole("menu", { name: "Export" })).toBeInTheDocument();
    await user.click(screen.getByRole("menuitem", { name: "CSV" }));

    expect(await screen.findByText("Your browser is downloading servers-24h.csv")).toBeInTheDocument();
    expect(requests).toHaveLength(1);
    expect(requests[0]!.method).toBe("POST");
    expect(requests[0]!.body).toEqual({ ...serversQuery, format: "csv" });
    // The browser's download manager fetches the signed link; the page never holds the file.
    expect(started).toEqual([{ filename: "servers-24h.csv", url: "/api/v1/exports/series/direct/0193-test?token=1764482100.sig" }]);
    expect(screen.queryByRole("menu")).not.toBeInTheDocument();
  });

  it("works from the keyboard: arrows move, Enter picks JSON", async () => {
    const requests = mockFetch({
      [DIRECT]: () => directLinkResponse("servers.json"),
    });
    captureLinkDownloads();
    const user = userEvent.setup();
    renderWithClient(<QuickExportMenu query={serversQuery} onMoreOptions={vi.fn()} />);

    screen.getByRole("button", { name: "Export" }).focus();
    await user.keyboard("{ArrowDown}");
    expect(screen.getByRole("menuitem", { name: "CSV" })).toHaveFocus();
    await user.keyboard("{ArrowDown}");
    expect(screen.getByRole("menuitem", { name: "JSON" })).toHaveFocus();
    await user.keyboard("{Enter}");

    await waitFor(() => expect(requests).toHaveLength(1));
    expect(requests[0]!.body).toEqual({ ...serversQuery, format: "json" });
    expect(screen.getByRole("button", { name: "Export" })).toHaveFocus();
  });

  it("closes on Escape without exporting and opens the dialog from More options", async () => {
    const requests = mockFetch({});
    const onMoreOptions = vi.fn();
    const user = userEvent.setup();
    renderWithClient(<QuickExportMenu query={serversQuery} onMoreOptions={onMoreOptions} />);

    await user.click(screen.getByRole("button", { name: "Export" }));
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("menu")).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Export" })).toHaveFocus();

    await user.click(screen.getByRole("button", { name: "Export" }));
    await user.click(screen.getByRole("menuitem", { name: "More options…" }));
    expect(onMoreOptions).toHaveBeenCalledTimes(1);
    expect(requests).toHaveLength(0);
  });

  it("shows the Problem Details of a rejected export", async () => {
    mockFetch({
      [DIRECT]: () =>
        problemResponse({
          status: 400,
          title: "One or more validation errors occurred.",
          errors: { metrics: ["Unknown metric 'cpu_percent' for source 'servers'."] },
        }),
    });
    const user = userEvent.setup();
    renderWithClient(<QuickExportMenu query={serversQuery} onMoreOptions={vi.fn()} />);

    await user.click(screen.getByRole("button", { name: "Export" }));
    await user.click(screen.getByRole("menuitem", { name: "CSV" }));

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("One or more validation errors occurred.");
    expect(alert).toHaveTextContent("metrics: Unknown metric 'cpu_percent' for source 'servers'.");
  });

  it("follows the job when the server runs a large export in the background instead of sending the file", async () => {
    const sources = mockEventSource();
    const job = runningJobJson({ id: "j-quick" });
    mockFetch({
      [DIRECT]: () =>
        jsonResponse(
          { background: true, reason: "This export is estimated at 130 MB; it runs in the background. Follow it at /api/v1/exports/j-quick.", job },
          202,
        ),
    });
    const saved = captureDownloads();
    const user = userEvent.setup();
    renderWithClient(<QuickExportMenu query={serversQuery} onMoreOptions={vi.fn()} historyHref="#/history" />);

    await user.click(screen.getByRole("button", { name: "Export" }));
    await user.click(screen.getByRole("menuitem", { name: "CSV" }));

    expect(await screen.findByText("This export is estimated at 130 MB; it runs in the background.")).toBeInTheDocument();
    expect(screen.getByRole("progressbar", { name: `Progress of ${job.fileName}` })).toHaveAttribute("value", "25");
    expect(screen.getByRole("link", { name: "History page" })).toHaveAttribute("href", "#/history");
    // The toolbar links History instead of naming the API path, and the notice floats instead of pushing the page.
    expect(screen.getByRole("link", { name: "Track in History" })).toHaveAttribute("href", "#/history");
    expect(screen.queryByText(/Follow it at/)).not.toBeInTheDocument();
    expect(screen.getByText(/estimated at 130 MB/).closest(".quick-export-popover")).not.toBeNull();
    expect(screen.queryByText(/^Downloaded|Your browser is downloading/)).not.toBeInTheDocument();
    expect(sources.map((source) => source.url)).toEqual(["/api/v1/exports/j-quick/events"]);
    expect(saved).toHaveLength(0);
  });

  it("is disabled while the query is incomplete", () => {
    renderWithClient(<QuickExportMenu query={undefined} onMoreOptions={vi.fn()} />);
    expect(screen.getByRole("button", { name: "Export" })).toBeDisabled();
  });
});
