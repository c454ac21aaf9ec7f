import { useMutation } from "@tanstack/react-query";
import { z } from "zod";
import { apiJson } from "../../../lib/api-client";
import { exportJobPath } from "../../../lib/export-jobs";

/** A day, the server's default. */
export const LINK_LIFETIME_MINUTES = 24 * 60;

const downloadLinkSchema = z.object({ url: z.string(), expiresAt: z.string() });

export type DownloadLink = z.infer<typeof downloadLinkSchema>;

/** A signed link to a finished export's file that works without signing in until it expires; the URL is absolute. */
export async function createDownloadLink(id: string, expiresInMinutes = LINK_LIFETIME_MINUTES): Promise<DownloadLink> {
  const link = await apiJson(`${exportJobPath(id)}/links`, downloadLinkSchema, {
    method: "POST",
    body: { expiresInMinutes },
  });
  return { ...link, url: new URL(link.url, window.location.origin).href };
}

/** The lifetimes offered when creating a link (the server allows 1 minute to 30 days). */
export const LINK_LIFETIMES = [
  { minutes: 60, label: "1 hour" },
  { minutes: 24 * 60, label: "1 day" },
  { minutes: 7 * 24 * 60, label: "7 days" },
  { minutes: 30 * 24 * 60, label: "30 days" },
] as const;

export function useCreateDownloadLink() {
  return useMutation({
    mutationFn: ({ id, expiresInMinutes }: { id: string; expiresInMinutes?: number }) => createDownloadLink(id, expiresInMinutes),
  });
}
