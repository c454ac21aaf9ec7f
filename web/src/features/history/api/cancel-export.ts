import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiJson, isApiError } from "../../../lib/api-client";
import { exportJobPath, exportJobQueryKey, jobRecordSchema, rememberExportJob, type JobRecord } from "../../../lib/export-jobs";

/** A pending job is cancelled at once; a running one answers "cancelling" and stops within a second. */
export function cancelExport(id: string): Promise<JobRecord> {
  return apiJson(`${exportJobPath(id)}/cancel`, jobRecordSchema, { method: "POST" });
}

export function useCancelExport() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: cancelExport,
    onSuccess: (job) => rememberExportJob(queryClient, job),
    // 409: it finished in the meantime; read it again so the row stops offering Cancel.
    onError: (error, id) => {
      if (isApiError(error) && error.status === 409) void queryClient.invalidateQueries({ queryKey: exportJobQueryKey(id) });
    },
  });
}
