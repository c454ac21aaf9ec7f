import { describe, expect, it } from "vitest";
import { captureDownloads, mockFetch, streamResponse } from "../../test/fetch-mock";
import { downloadFile, filenameFromDisposition, type DownloadProgress } from "../download";

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

describe("downloadFile", () => {
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

    const result = await downloadFile("/api/v1/exports/series", { source: "servers" }, {
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
