import { renderHook, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { QueryClientProvider } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import { FakeEventSource, mockEventSource } from "../../test/event-source";
import { runningJobJson } from "../../test/export-jobs";
import { jsonResponse, mockFetch } from "../../test/fetch-mock";
import { createTestQueryClient } from "../../test/render";
import { exportJobQueryKey, jobRecordSchema, useExportJob, type JobRecord } from "../export-jobs";
import { useExportEvents } from "../use-export-events";

const RUNNING = runningJobJson({ id: "j-1", updatedAt: "2026-11-22T10:00:02+00:00" });

function setup() {
  const client = createTestQueryClient();
  const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
  return { client, wrapper, cached: () => client.getQueryData<JobRecord>(exportJobQueryKey("j-1")) };
}

describe("useExportEvents", () => {
  it("stores each state and progress event in the job's cache entry and closes the stream at a final state", () => {
    const sources = mockEventSource();
    const { wrapper, cached } = setup();
    renderHook(() => useExportEvents("j-1"), { wrapper });

    expect(sources.map((source) => source.url)).toEqual(["/api/v1/exports/j-1/events"]);
    sources[0]!.emit("state", RUNNING);
    expect(cached()?.percent).toBe(25);
    sources[0]!.emit("progress", { ...RUNNING, percent: 70, updatedAt: "2026-11-22T10:00:04+00:00" });
    expect(cached()?.percent).toBe(70);
    // Out of order: older than the cached record, so it is ignored.
    sources[0]!.emit("progress", { ...RUNNING, percent: 50, updatedAt: "2026-11-22T10:00:03+00:00" });
    expect(cached()?.percent).toBe(70);
    expect(sources[0]!.closed).toBe(false);

    sources[0]!.emit("state", { ...RUNNING, status: "completed", percent: 100, updatedAt: "2026-11-22T10:00:05+00:00" });

    expect(cached()?.status).toBe("completed");
    expect(sources[0]!.closed).toBe(true);
  });

  it("closes the stream when the job was deleted", () => {
    const sources = mockEventSource();
    const { wrapper } = setup();
    renderHook(() => useExportEvents("j-1"), { wrapper });

    sources[0]!.emit("state", { status: "deleted" });

    expect(sources[0]!.closed).toBe(true);
  });

  it("reads the job once when the server refuses the stream", async () => {
    const sources = mockEventSource();
    mockFetch({ "GET /api/v1/exports/j-1": () => jsonResponse({ ...RUNNING, status: "failed", updatedAt: "2026-11-22T10:00:09+00:00" }) });
    const { wrapper } = setup();
    const { result } = renderHook(
      () => {
        const job = useExportJob(jobRecordSchema.parse(RUNNING));
        useExportEvents("j-1");
        return job;
      },
      { wrapper },
    );

    sources[0]!.readyState = FakeEventSource.CLOSED;
    sources[0]!.emitError();

    await waitFor(() => expect(result.current.status).toBe("failed"));
  });

  it("opens nothing without an id and closes the stream on unmount", () => {
    const sources = mockEventSource();
    const { wrapper } = setup();
    const { rerender, unmount } = renderHook(({ id }: { id: string | undefined }) => useExportEvents(id), {
      wrapper,
      initialProps: { id: undefined as string | undefined },
    });
    expect(sources).toHaveLength(0);

    rerender({ id: "j-1" });
    unmount();

    expect(sources).toHaveLength(1);
    expect(sources[0]!.closed).toBe(true);
  });
});
