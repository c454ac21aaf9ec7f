import { ProblemAlert } from "../../../components/ui/Alert";
import { Button } from "../../../components/ui/Button";
import { isApiError } from "../../../lib/api-client";
import { useDashboard } from "../api/get-dashboard";
import { useDashboards } from "../api/list-dashboards";
import { DashboardList } from "./DashboardList";
import { DashboardWorkspace } from "./DashboardWorkspace";

export interface DashboardsViewProps {
  /** The selected dashboard's slug (or id), e.g. from the address. */
  selected: string | undefined;
  onSelect: (slug: string) => void;
}

/** The caller's dashboards beside the selected one's preview and exports. */
export function DashboardsView({ selected, onSelect }: DashboardsViewProps) {
  const dashboards = useDashboards();
  if (dashboards.isPending) {
    return (
      <p className="page-message" role="status">
        Loading dashboards…
      </p>
    );
  }
  if (dashboards.isError) return <Failure error={dashboards.error} retry={() => void dashboards.refetch()} />;
  if (dashboards.data.length === 0) return <p className="page-message">You have no dashboards yet.</p>;

  const current = dashboards.data.find((dashboard) => dashboard.slug === selected || dashboard.id === selected);
  return (
    <div className="dashboards">
      <nav className="sidebar card" aria-label="Dashboard list">
        <h2 className="section-title">Dashboards</h2>
        <DashboardList dashboards={dashboards.data} selected={current?.slug} onSelect={onSelect} />
      </nav>
      {current ? (
        <SelectedDashboard key={current.id} slug={current.slug} />
      ) : (
        <p className="page-message">
          {selected ? `There is no dashboard “${selected}”. ` : ""}Choose a dashboard to preview and export it.
        </p>
      )}
    </div>
  );
}

function SelectedDashboard({ slug }: { slug: string }) {
  const dashboard = useDashboard(slug);
  if (dashboard.isPending) {
    return (
      <p className="page-message" role="status">
        Loading the dashboard…
      </p>
    );
  }
  if (dashboard.isError) return <Failure error={dashboard.error} retry={() => void dashboard.refetch()} />;
  return <DashboardWorkspace dashboard={dashboard.data} />;
}

function Failure({ error, retry }: { error: Error; retry: () => void }) {
  return (
    <div className="page-message">
      {isApiError(error) ? <ProblemAlert error={error} /> : <p role="alert">{error.message}</p>}
      <Button onClick={retry}>Try again</Button>
    </div>
  );
}
