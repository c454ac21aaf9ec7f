import { useMutation, useQueryClient } from "@tanstack/react-query";
import { createTemplate, TEMPLATES_QUERY_KEY } from "../../../lib/templates";

export function useCreateTemplate() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createTemplate,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: TEMPLATES_QUERY_KEY }),
  });
}
