import { useMutation, useQueryClient } from "@tanstack/react-query";
import { z } from "zod";
import { apiFetch, apiJson } from "../../../lib/api-client";
import { DASHBOARDS_QUERY_KEY } from "./list-dashboards";

const shareLinksSchema = z.object({ png: z.string(), pdf: z.string(), sharedAt: z.string().nullish() });

export type ShareLinks = z.infer<typeof shareLinksSchema>;

/** Absolute addresses: the server answers with paths on its own origin. */
function absolute(links: ShareLinks): ShareLinks {
  return { ...links, png: new URL(links.png, window.location.origin).href, pdf: new URL(links.pdf, window.location.origin).href };
}

/** Creates the dashboard's public link, replacing (and so revoking) any earlier one. */
export async function shareDashboard(id: string): Promise<ShareLinks> {
  return absolute(await apiJson(`/api/v1/dashboards/${encodeURIComponent(id)}/share`, shareLinksSchema, { method: "POST" }));
}

export async function revokeShare(id: string): Promise<void> {
  await apiFetch(`/api/v1/dashboards/${encodeURIComponent(id)}/share`, { method: "DELETE" });
}

export function useShareDashboard(id: string) {
  const queryClient = useQueryClient();
  const invalidate = () => queryClient.invalidateQueries({ queryKey: DASHBOARDS_QUERY_KEY });
  const share = useMutation({ mutationFn: () => shareDashboard(id), onSuccess: invalidate });
  const revoke = useMutation({ mutationFn: () => revokeShare(id), onSuccess: invalidate });
  return { share, revoke };
}
