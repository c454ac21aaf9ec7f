import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { apiJson } from "../../../lib/api-client";
import { useDebouncedValue } from "../../../lib/use-debounced-value";
import { SCHEDULES_QUERY_KEY, type ScheduleBody } from "./schedule";

/** What POST /api/v1/schedules/preview reads: only when a schedule runs. */
export type PreviewBody = Pick<ScheduleBody, "cron" | "frequency" | "timezone" | "window" | "startAt" | "endAt">;

export const previewSchema = z.object({
  /** The Quartz cron the frequency became. */
  cron: z.string(),
  timezone: z.string(),
  /** `at`: when it fires, with the zone's offset; `waitsUntil`: when the export starts if the window makes it wait. */
  runs: z.array(z.object({ at: z.string(), waitsUntil: z.string().nullish() })),
});

export type SchedulePreview = z.infer<typeof previewSchema>;

export const PREVIEW_COUNT = 5;

/** The next runs of a schedule that is not saved yet; 400 with fields such as "cron", "timezone", "window". */
export function previewSchedule(body: PreviewBody, count = PREVIEW_COUNT, signal?: AbortSignal): Promise<SchedulePreview> {
  return apiJson(`/api/v1/schedules/preview?count=${count}`, previewSchema, { method: "POST", body, signal });
}

export function previewBodyOf(body: ScheduleBody): PreviewBody {
  const { cron, frequency, timezone, window, startAt, endAt } = body;
  return Object.fromEntries(
    Object.entries({ cron, frequency, timezone, window, startAt, endAt }).filter(([, value]) => value !== undefined),
  ) as PreviewBody;
}

/**
 * The next runs of the form as typed, asked for once it has been still for a moment; the last answer stays shown
 * while the next is on its way. Read afresh each time: what comes next depends on when it is asked.
 */
export function useSchedulePreview(body: PreviewBody, delayMs = 350) {
  const settled = useDebouncedValue(body, delayMs);
  return useQuery({
    queryKey: [...SCHEDULES_QUERY_KEY, "preview", settled],
    queryFn: ({ signal }) => previewSchedule(settled, PREVIEW_COUNT, signal),
    placeholderData: keepPreviousData,
    staleTime: 0,
    gcTime: 0,
    retry: false,
  });
}
