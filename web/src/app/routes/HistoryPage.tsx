import { HistoryView } from "../../features/history/components/HistoryView";

export function HistoryPage() {
  return <HistoryView />;
}
