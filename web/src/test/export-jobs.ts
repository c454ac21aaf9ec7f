/** Export jobs as GET /api/v1/exports and /api/v1/exports/{id} answer for the demo user. */

export const OWNER_ID = "5a0e7c1f-2b3d-4e5f-8a9b-0c1d2e3f4a5b";

export type JobJson = Record<string, unknown> & { id: string; fileName: string; status: string };

/** A completed CSV export of the servers source; `overrides` change any field. */
export function jobJson(overrides: Partial<JobJson> & { id: string }): JobJson {
  const fileName = (overrides.fileName as string | undefined) ?? "servers-20261121-1000-20261122-1000.csv";
  return {
    ownerId: OWNER_ID,
    kind: "series",
    format: "csv",
    source: "servers",
    title: fileName,
    status: "completed",
    phase: "done",
    request: { kind: "series", series: { source: "servers", format: "csv" }, format: "csv" },
    fileName,
    mediaType: "text/csv",
    storage: "local",
    estimatedRows: 240,
    estimatedBytes: 12_000,
    rowsWritten: 240,
    bytesWritten: 12_288,
    percent: 100,
    sizeBytes: 12_288,
    rowCount: 240,
    checksum: "9f86d081884c7d65",
    tier: "hourly",
    error: null,
    cancelRequested: false,
    cancelledBy: null,
    idempotencyKey: null,
    attempts: 1,
    node: "node-1",
    createdAt: "2026-11-22T10:00:00+00:00",
    updatedAt: "2026-11-22T10:00:05+00:00",
    startedAt: "2026-11-22T10:00:01+00:00",
    completedAt: "2026-11-22T10:00:05+00:00",
    expiresAt: "2026-11-29T10:00:05+00:00",
    downloadCount: 0,
    lastDownloadedAt: null,
    durationMs: 4_000,
    ...overrides,
  };
}

/** A large raw export still writing: 25% of about 2,160,000 rows. */
export function runningJobJson(overrides: Partial<JobJson> & { id: string }): JobJson {
  return jobJson({
    fileName: "servers-20261023-0000-20261122-0000.csv",
    status: "processing",
    phase: "writing",
    estimatedRows: 2_160_000,
    estimatedBytes: 136_000_000,
    rowsWritten: 540_000,
    bytesWritten: 34_000_000,
    percent: 25,
    sizeBytes: null,
    rowCount: null,
    checksum: null,
    tier: "raw",
    completedAt: null,
    expiresAt: null,
    durationMs: null,
    updatedAt: "2026-11-22T10:00:02+00:00",
    ...overrides,
  });
}
