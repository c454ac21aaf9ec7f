import { DestinationsView } from "../../features/destinations/components/DestinationsView";

export function DestinationsPage() {
  return <DestinationsView />;
}
