import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiJson } from "../../../lib/api-client";
import { jobRecordSchema, rememberExportJob, type JobRecord } from "../../../lib/export-jobs";
import type { Timeframe } from "../../../lib/export-request";
import { templatePath } from "../../../lib/templates";

/** What one run may change: another relative range, another format. */
export interface RunOverrides {
  timeframe?: Extract<Timeframe, { last: string }>;
  format?: string;
}

/** Runs the template now as a background export (202 with the pending job); placeholders are filled in. */
export function runTemplate(id: string, overrides: RunOverrides = {}): Promise<JobRecord> {
  return apiJson(`${templatePath(id)}/run`, jobRecordSchema, { method: "POST", body: overrides });
}

export function useRunTemplate() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, overrides }: { id: string; overrides?: RunOverrides }) => runTemplate(id, overrides),
    onSuccess: (job) => rememberExportJob(queryClient, job),
  });
}
