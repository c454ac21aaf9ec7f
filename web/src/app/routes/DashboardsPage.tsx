import { DashboardsView } from "../../features/dashboards/components/DashboardsView";
import { navigate } from "../navigation";

export function DashboardsPage({ selected }: { selected: string | undefined }) {
  return (
    <DashboardsView selected={selected} onSelect={(slug) => navigate({ page: "dashboards", dashboard: slug })} />
  );
}
