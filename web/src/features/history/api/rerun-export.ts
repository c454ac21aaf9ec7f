import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiJson } from "../../../lib/api-client";
import { exportJobPath, jobRecordSchema, rememberExportJob, type JobRecord } from "../../../lib/export-jobs";
import { HISTORY_LIST_QUERY_KEY } from "./list-exports";

/** The same request again, as a new job (relative time ranges move on). */
export function rerunExport(id: string): Promise<JobRecord> {
  return apiJson(`${exportJobPath(id)}/rerun`, jobRecordSchema, { method: "POST" });
}

export function useRerunExport() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: rerunExport,
    onSuccess: (job) => {
      rememberExportJob(queryClient, job);
      // The new job belongs at the top of the list.
      void queryClient.invalidateQueries({ queryKey: HISTORY_LIST_QUERY_KEY });
    },
  });
}
