import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { listTemplates, templatesListQueryKey } from "../../../lib/templates";

/** The caller's templates by name, narrowed by `search`; read afresh whenever the page opens. */
export function useTemplates(search: string) {
  return useQuery({
    queryKey: templatesListQueryKey(search),
    queryFn: ({ signal }) => listTemplates(search, signal),
    placeholderData: keepPreviousData,
    staleTime: 0,
  });
}
