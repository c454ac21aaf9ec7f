import { useQuery } from "@tanstack/react-query";
import { listTemplates, templatesListQueryKey } from "../../../lib/templates";

/** Every template the caller can schedule (the same list the Templates page shows unsearched). */
export function useTemplateChoices() {
  return useQuery({
    queryKey: templatesListQueryKey(""),
    queryFn: ({ signal }) => listTemplates("", signal),
    staleTime: 0,
  });
}
