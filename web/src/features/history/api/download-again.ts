import { useMutation, useQueryClient } from "@tanstack/react-query";
import { directDownload } from "../../../lib/download";
import { HISTORY_LIST_QUERY_KEY } from "./list-exports";

/**
 * A direct download run again the same way: its stored request goes to the direct route and the browser downloads
 * the signed link (the server records the new download; the list is read again to show it).
 */
export function useDownloadAgain() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (request: unknown) => directDownload("/api/v1/exports/series", request),
    onSuccess: () => {
      // The record is written when the download runs, moments after the link is handed over.
      window.setTimeout(() => void queryClient.invalidateQueries({ queryKey: HISTORY_LIST_QUERY_KEY }), 1500);
    },
  });
}
