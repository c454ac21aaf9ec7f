import { describe, expect, it } from "vitest";
import { deliveryJson } from "../../../test/destinations";
import { runJson } from "../../../test/templates";
import { DELIVERY_START_GRACE_MS, runsUnsettled } from "../api/list-runs";
import { runSchema } from "../api/schedule";

const NOW = Date.parse("2026-11-22T10:00:30Z");

function run(overrides: Record<string, unknown>) {
  return runSchema.parse(runJson({ id: "r-1", startedAt: "2026-11-22T10:00:00Z", ...overrides }));
}

describe("runsUnsettled", () => {
  it("holds while an export runs or a delivery is pending or retrying, and not once everything is final", () => {
    expect(runsUnsettled([run({ exportStatus: "processing" })], false, new Map(), NOW)).toBe(true);
    expect(runsUnsettled([run({ deliveries: [deliveryJson({ status: "pending" })] })], false, new Map(), NOW)).toBe(true);
    expect(runsUnsettled([run({ deliveries: [deliveryJson({ status: "retrying" })] })], false, new Map(), NOW)).toBe(true);
    expect(runsUnsettled([run({ deliveries: [deliveryJson({ status: "failed" })] })], true, new Map(), NOW)).toBe(false);
    expect(runsUnsettled([run({ exportStatus: "failed" })], true, new Map(), NOW)).toBe(false);
    expect(runsUnsettled([run({ status: "refused", exportId: null, exportStatus: null })], true, new Map(), NOW)).toBe(false);
  });

  it("waits a while for a completed run's deliveries to start when the schedule delivers anywhere", () => {
    const completed = [run({ startedAt: new Date(NOW - 5_000).toISOString() })];
    expect(runsUnsettled(completed, true, new Map(), NOW)).toBe(true);
    expect(runsUnsettled(completed, false, new Map(), NOW)).toBe(false);
    const old = [run({ startedAt: new Date(NOW - DELIVERY_START_GRACE_MS - 1).toISOString() })];
    expect(runsUnsettled(old, true, new Map(), NOW)).toBe(false);

    // A long export seen running waits from when it was first seen complete, not from when it started.
    const watched = new Map<string, number | null>();
    expect(runsUnsettled([run({ startedAt: "2026-11-22T09:00:00Z", exportStatus: "processing" })], true, watched, NOW)).toBe(true);
    const done = [run({ startedAt: "2026-11-22T09:00:00Z" })];
    expect(runsUnsettled(done, true, watched, NOW)).toBe(true);
    expect(runsUnsettled(done, true, watched, NOW + DELIVERY_START_GRACE_MS - 1)).toBe(true);
    expect(runsUnsettled(done, true, watched, NOW + DELIVERY_START_GRACE_MS)).toBe(false);
  });
});
