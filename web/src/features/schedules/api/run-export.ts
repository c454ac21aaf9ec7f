import { useQuery, useQueryClient } from "@tanstack/react-query";
import { exportJobQueryKey, getExportJob, isFinalStatus, type JobRecord } from "../../../lib/export-jobs";
import { useExportEvents } from "../../../lib/use-export-events";
import type { ScheduleRun } from "./schedule";

/**
 * The export a run queued, followed live while it is pending or processing: read once, then kept current by its
 * events until it reaches a final state. Undefined for a run whose export had already finished when the runs were
 * listed (the run carries its final state) or that queued none.
 */
export function useRunExport(run: ScheduleRun): JobRecord | undefined {
  const queryClient = useQueryClient();
  const id = run.exportId ?? undefined;
  const follow = id !== undefined && run.exportStatus != null && !isFinalStatus(run.exportStatus);
  const query = useQuery({
    queryKey: exportJobQueryKey(id ?? ""),
    queryFn: async ({ signal }) => {
      const job = await getExportJob(id!, signal);
      // An event may have brought a newer state while this read was under way.
      const cached = queryClient.getQueryData<JobRecord>(exportJobQueryKey(id!));
      return cached && Date.parse(cached.updatedAt) > Date.parse(job.updatedAt) ? cached : job;
    },
    enabled: follow,
    staleTime: Infinity,
  });
  const job = follow ? query.data : undefined;
  useExportEvents(follow && !(job && isFinalStatus(job.status)) ? id : undefined);
  return job;
}
