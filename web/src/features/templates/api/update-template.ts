import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiJson } from "../../../lib/api-client";
import { TEMPLATES_QUERY_KEY, templatePath, templateSchema, type Template, type TemplateBody } from "../../../lib/templates";

/** Saves a new version (the one it replaces stays readable); same checks and answers as creating one. */
export function updateTemplate(id: string, body: TemplateBody): Promise<Template> {
  return apiJson(templatePath(id), templateSchema, { method: "PUT", body });
}

export function useUpdateTemplate() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: TemplateBody }) => updateTemplate(id, body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: TEMPLATES_QUERY_KEY }),
  });
}
