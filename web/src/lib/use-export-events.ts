import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import {
  exportJobPath,
  exportJobQueryKey,
  isFinalStatus,
  jobRecordSchema,
  rememberExportJob,
  useExportJob,
  type JobRecord,
} from "./export-jobs";

export function exportEventsUrl(id: string): string {
  return `${exportJobPath(id)}/events`;
}

/** The job in an event's data; undefined for anything else (the server's `{"status":"deleted"}` included). */
function parseJob(data: unknown): JobRecord | undefined {
  if (typeof data !== "string") return undefined;
  try {
    const parsed = jobRecordSchema.safeParse(JSON.parse(data));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function isDeleted(data: unknown): boolean {
  try {
    return typeof data === "string" && (JSON.parse(data) as { status?: unknown } | null)?.status === "deleted";
  } catch {
    return false;
  }
}

/**
 * Follows a job's Server-Sent Events (`state` first and on each change of status, `progress` while it writes) and
 * keeps its cache entry current. The stream is closed at the first final state, since EventSource would otherwise
 * reconnect when the server ends it. Idle while `id` is undefined.
 */
export function useExportEvents(id: string | undefined): void {
  const queryClient = useQueryClient();

  useEffect(() => {
    if (id === undefined || typeof EventSource === "undefined") return;
    const source = new EventSource(exportEventsUrl(id));

    const receive = (event: Event) => {
      const data = (event as MessageEvent<unknown>).data;
      const job = parseJob(data);
      if (!job) {
        if (isDeleted(data)) source.close();
        return;
      }
      rememberExportJob(queryClient, job);
      if (isFinalStatus(job.status)) source.close();
    };
    // EventSource reconnects by itself after a dropped connection; it gives up only when the server refuses the
    // stream (401, 404, …). Then read the job once, so the page does not show a state that will never move.
    const failed = () => {
      if (source.readyState === EventSource.CLOSED) {
        void queryClient.invalidateQueries({ queryKey: exportJobQueryKey(id) });
      }
    };

    source.addEventListener("state", receive);
    source.addEventListener("progress", receive);
    source.addEventListener("error", failed);
    return () => {
      source.removeEventListener("state", receive);
      source.removeEventListener("progress", receive);
      source.removeEventListener("error", failed);
      source.close();
    };
  }, [id, queryClient]);
}

/** A job that moves by itself: its cached record, with its events followed until it reaches a final state. */
export function useLiveExportJob(initial: JobRecord): JobRecord {
  const job = useExportJob(initial);
  useExportEvents(isFinalStatus(job.status) ? undefined : job.id);
  return job;
}
