import { useQuery } from "@tanstack/react-query";
import { useRef } from "react";
import { z } from "zod";
import { apiJson } from "../../../lib/api-client";
import { DELIVERY_POLL_MS, isDeliveryUnderway } from "../../../lib/deliveries";
import { isFinalStatus } from "../../../lib/export-jobs";
import { runSchema, schedulePath, scheduleRunsQueryKey, type ScheduleRun } from "./schedule";

export const RUNS_LIMIT = 20;

/** How long a run whose export was seen running, then complete, is read again for its deliveries to start. */
export const DELIVERY_START_GRACE_MS = 30_000;

/** The schedule's runs, newest first, each with its export's state and its deliveries. */
export function listRuns(id: string, limit = RUNS_LIMIT, signal?: AbortSignal): Promise<ScheduleRun[]> {
  return apiJson(`${schedulePath(id)}/runs?limit=${limit}`, z.array(runSchema), { signal });
}

/**
 * Whether the runs will still change: an export not final, or a delivery pending or retrying. Delivery starts a
 * moment after an export completes, so when the schedule delivers anywhere, a completed run without deliveries also
 * counts for a while: after it was first seen complete, if it was `watched` while its export ran (run id -> that
 * moment), or else after it started.
 */
export function runsUnsettled(
  runs: readonly ScheduleRun[] | undefined,
  expectDeliveries: boolean,
  watched: Map<string, number | null>,
  now: number,
): boolean {
  let unsettled = false;
  for (const run of runs ?? []) {
    if (run.exportId && run.exportStatus && !isFinalStatus(run.exportStatus)) {
      watched.set(run.id, null);
      unsettled = true;
    } else if (run.deliveries.some((delivery) => isDeliveryUnderway(delivery.status))) {
      unsettled = true;
    } else if (expectDeliveries && run.exportStatus === "completed" && run.deliveries.length === 0) {
      // A while after the export was seen running, or else after the run started.
      const seenRunning = watched.has(run.id);
      const since = seenRunning ? (watched.get(run.id) ?? now) : Date.parse(run.startedAt);
      if (seenRunning) watched.set(run.id, since);
      const waited = now - since;
      if (waited >= 0 && waited < DELIVERY_START_GRACE_MS) unsettled = true;
    }
  }
  return unsettled;
}

export interface ScheduleRunsOptions {
  /** The schedule names destinations: a completed run's deliveries are about to start. */
  expectDeliveries?: boolean;
  /** How often to read the runs again while they are unsettled. */
  pollMs?: number;
}

/** The runs, read again every couple of seconds while an export runs or a delivery is under way. */
export function useScheduleRuns(id: string, { expectDeliveries = false, pollMs = DELIVERY_POLL_MS }: ScheduleRunsOptions = {}) {
  const watched = useRef(new Map<string, number | null>());
  return useQuery({
    queryKey: scheduleRunsQueryKey(id),
    queryFn: ({ signal }) => listRuns(id, RUNS_LIMIT, signal),
    staleTime: 0,
    refetchInterval: (query) => (runsUnsettled(query.state.data, expectDeliveries, watched.current, Date.now()) ? pollMs : false),
  });
}
