import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiFetch } from "../../../lib/api-client";
import { exportJobPath } from "../../../lib/export-jobs";
import { forgetListedExport } from "./list-exports";

/** Deletes a finished export and its file (409 while it runs: cancel it first). */
export async function deleteExport(id: string): Promise<void> {
  await apiFetch(exportJobPath(id), { method: "DELETE" });
}

export function useDeleteExport() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteExport,
    onSuccess: (_, id) => forgetListedExport(queryClient, id),
  });
}
