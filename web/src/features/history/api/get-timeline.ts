import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { apiJson } from "../../../lib/api-client";
import { EXPORT_JOBS_QUERY_KEY, exportJobPath, type JobRecord } from "../../../lib/export-jobs";

/** The kinds of step in an export's timeline (ExportEventType on the server). */
export const TIMELINE_EVENT_TYPES = ["queued", "started", "retrying", "completed", "failed", "cancelRequested", "cancelled", "expired"] as const;
export type TimelineEventType = (typeof TIMELINE_EVENT_TYPES)[number];

/**
 * One step of an export's lifecycle. `recoveredFrom` names the node a started attempt took the job over from;
 * `synthesized` marks a step read from the export's record rather than its event stream (an export recorded before
 * streams existed, or a direct download). The server leaves out what a step does not carry.
 */
export const timelineEventSchema = z.object({
  type: z.enum(TIMELINE_EVENT_TYPES).or(z.string()),
  at: z.string(),
  attempt: z.number().nullish(),
  node: z.string().nullish(),
  recoveredFrom: z.string().nullish(),
  by: z.string().nullish(),
  error: z.string().nullish(),
  rows: z.number().nullish(),
  bytes: z.number().nullish(),
  synthesized: z.boolean().default(false),
});
export type TimelineEvent = z.infer<typeof timelineEventSchema>;

/**
 * Keyed by what the live row knows changes the timeline (status, attempts, node), so a step the row sees arrive is
 * read again without polling.
 */
export function exportTimelineQueryKey(job: Pick<JobRecord, "id" | "status" | "attempts" | "node">) {
  return [...EXPORT_JOBS_QUERY_KEY, "timeline", job.id, job.status, job.attempts, job.node ?? null] as const;
}

/** An export's lifecycle, oldest first: queued, each attempt's start, retries, and how it ended. */
export function getTimeline(id: string, signal?: AbortSignal): Promise<TimelineEvent[]> {
  return apiJson(`${exportJobPath(id)}/timeline`, z.array(timelineEventSchema), { signal });
}

/** The export's timeline while `enabled` (shown); the last one read stays shown while a newer one loads. */
export function useExportTimeline(job: JobRecord, enabled: boolean) {
  return useQuery({
    queryKey: exportTimelineQueryKey(job),
    queryFn: ({ signal }) => getTimeline(job.id, signal),
    enabled,
    staleTime: 0,
    placeholderData: keepPreviousData,
  });
}
