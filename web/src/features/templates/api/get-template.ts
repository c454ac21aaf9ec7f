import { useQuery } from "@tanstack/react-query";
import { apiJson } from "../../../lib/api-client";
import { TEMPLATES_QUERY_KEY, templatePath, templateSchema, type Template } from "../../../lib/templates";

/** One template with `versions`: every version number and when it was saved, the current one first. */
export function getTemplate(id: string, signal?: AbortSignal): Promise<Template> {
  return apiJson(templatePath(id), templateSchema, { signal });
}

/** The template as it was saved in `version` (name, description and request of that version). */
export function getTemplateVersion(id: string, version: number, signal?: AbortSignal): Promise<Template> {
  return apiJson(`${templatePath(id)}/versions/${version}`, templateSchema, { signal });
}

export function useTemplate(id: string) {
  return useQuery({
    queryKey: [...TEMPLATES_QUERY_KEY, "detail", id],
    queryFn: ({ signal }) => getTemplate(id, signal),
    staleTime: 0,
  });
}

/** A saved version never changes; idle while `version` is undefined. */
export function useTemplateVersion(id: string, version: number | undefined) {
  return useQuery({
    queryKey: [...TEMPLATES_QUERY_KEY, "detail", id, "version", version],
    queryFn: ({ signal }) => getTemplateVersion(id, version!, signal),
    enabled: version !== undefined,
    staleTime: Infinity,
  });
}
