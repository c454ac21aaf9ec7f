import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiFetch } from "../../../lib/api-client";
import { TEMPLATES_QUERY_KEY, templatePath } from "../../../lib/templates";

/** Deletes a template with its versions and its schedules (204). */
export async function deleteTemplate(id: string): Promise<void> {
  await apiFetch(templatePath(id), { method: "DELETE" });
}

export function useDeleteTemplate() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteTemplate,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: TEMPLATES_QUERY_KEY }),
  });
}
