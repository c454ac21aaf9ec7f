import { afterEach, describe, expect, it, vi } from "vitest";
import { captureDownloads, jsonResponse, mockFetch, problemResponse, streamResponse } from "../../test/fetch-mock";
import { isApiError } from "../api-client";
import { directDownload, downloadFile, filenameFromDisposition, saveResponse, type DownloadProgress } from "../download";

afterEach(() => vi.restoreAllMocks());

/** Records the links the page hands to the browser's download manager (anchor clicks), without navigating. */
function captureLinks(): { href: string; download: string }[] {
  const clicked: { href: string; download: string }[] = [];
  vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
    clicked.push({ href: this.getAttribute("href") ?? "", download: this.download });
  });
  return clicked;
}

const LINK = {
  url: "/api/v1/exports/series/direct/0193-abc?token=1764482100.sig",
  expiresAt: "2026-11-30T06:05:00Z",
  fileName: "servers-24h-2026-11-30.csv",
};

describe("filenameFromDisposition", () => {
  it.each([
    ['attachment; filename="servers-24h.csv"', "servers-24h.csv"],
    ["attachment; filename=servers.jsonl.gz", "servers.jsonl.gz"],
    ["attachment; filename=\"fallback.csv\"; filename*=UTF-8''m%C3%A9triques.csv", "métriques.csv"],
  ])("reads %s", (header, expected) => {
    expect(filenameFromDisposition(header)).toBe(expected);
  });

  it("returns undefined without a header", () => {
    expect(filenameFromDisposition(null)).toBeUndefined();
  });
});

describe("directDownload", () => {
  it("posts the request to the direct route and hands the signed link to the browser, never reading the file", async () => {
    const requests = mockFetch({ "POST /api/v1/exports/series/direct": () => jsonResponse(LINK, 201) });
    const clicked = captureLinks();

    const answer = await directDownload("/api/v1/exports/series", { source: "servers", format: "csv" });

    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual(["POST /api/v1/exports/series/direct"]);
    expect(requests[0]!.body).toEqual({ source: "servers", format: "csv" });
    expect(clicked).toEqual([{ href: LINK.url, download: LINK.fileName }]);
    expect(answer).toMatchObject({ background: false, filename: LINK.fileName, direct: true });
    expect(answer.background === false && Number.isNaN(answer.bytes)).toBe(true);
    // The anchor is gone once clicked: nothing is left in the page.
    expect(document.querySelectorAll("a[download]")).toHaveLength(0);
  });

  it("throws the Problem Details of a refused request and starts no download", async () => {
    mockFetch({
      "POST /api/v1/exports/series/direct": () =>
        problemResponse({ status: 400, title: "The request is not valid", errors: { "timeframe.last": ["Use 24h."] } }),
    });
    const clicked = captureLinks();
    const error = await directDownload("/api/v1/exports/series", { source: "servers" }).catch((e: unknown) => e);
    expect(isApiError(error) && error.errors["timeframe.last"]).toEqual(["Use 24h."]);
    expect(clicked).toEqual([]);
  });

  it("returns the background job when the export is too large to stream", async () => {
    const job = { id: "j1", status: "pending" };
    mockFetch({
      "POST /api/v1/exports/series/direct": () => jsonResponse({ background: true, reason: "Estimated at 900 MB.", job }, 202),
    });
    const clicked = captureLinks();
    expect(await directDownload("/api/v1/exports/series", {})).toEqual({ background: true, reason: "Estimated at 900 MB.", job });
    expect(clicked).toEqual([]);
  });
});

describe("downloadFile", () => {
  it("sends a series export through the signed link (the browser's download manager)", async () => {
    mockFetch({ "POST /api/v1/exports/series/direct": () => jsonResponse(LINK, 201) });
    const clicked = captureLinks();
    const result = await downloadFile("/api/v1/exports/series", { source: "servers" }, { fallbackFilename: "export.csv" });
    expect(result.filename).toBe(LINK.fileName);
    expect(result.direct).toBe(true);
    expect(clicked.map((c) => c.href)).toEqual([LINK.url]);
  });
});

describe("saveResponse", () => {
  it("reports bytes as they stream and saves the whole body under the server's name", async () => {
    mockFetch({
      "POST /api/v1/exports/series": () =>
        streamResponse(["time,value\n", "2026-11-21T10:00:00Z,1.5\n"], {
          "Content-Type": "text/csv",
          "Content-Disposition": 'attachment; filename="servers.csv"',
        }),
    });
    const saved = captureDownloads();
    const progress: DownloadProgress[] = [];

    const response = await fetch("/api/v1/exports/series", { method: "POST", body: "{}" });
    const result = await saveResponse(response, {
      fallbackFilename: "export.csv",
      onProgress: (p) => progress.push(p),
    });

    expect(result).toEqual({ filename: "servers.csv", bytes: 36 });
    expect(progress.map((p) => p.received)).toEqual([0, 11, 36]);
    expect(saved).toHaveLength(1);
    expect(saved[0]!.filename).toBe("servers.csv");
    expect(await saved[0]!.blob.text()).toBe("time,value\n2026-11-21T10:00:00Z,1.5\n");
  });
});
