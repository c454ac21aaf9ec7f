import type { DashboardSummary } from "../api/list-dashboards";

export interface DashboardListProps {
  dashboards: readonly DashboardSummary[];
  /** The selected dashboard's slug. */
  selected: string | undefined;
  onSelect: (slug: string) => void;
}

/** The caller's dashboards; the selected one is marked current. A button is named by the title alone. */
export function DashboardList({ dashboards, selected, onSelect }: DashboardListProps) {
  return (
    <ul className="dashboard-list">
      {dashboards.map((dashboard) => {
        const titleId = `dashboard-${dashboard.id}-title`;
        const detailId = `dashboard-${dashboard.id}-detail`;
        const hasDetail = dashboard.shared || !!dashboard.description;
        return (
          <li key={dashboard.id} className="dashboard-item-row">
            {/* The button's name is its visible title; the detail beside it describes it. The whole row is the
                button's target (its ::after covers the row), so a click on the detail selects too. */}
            <button
              type="button"
              className="dashboard-item"
              aria-current={dashboard.slug === selected ? "true" : undefined}
              aria-describedby={hasDetail ? detailId : undefined}
              onClick={() => onSelect(dashboard.slug)}
            >
              <span id={titleId} className="dashboard-item-title">{dashboard.title}</span>
            </button>
            {hasDetail && (
              <span id={detailId} className="dashboard-item-detail">
                {dashboard.shared && <span className="badge">Shared</span>} {dashboard.description}
              </span>
            )}
          </li>
        );
      })}
    </ul>
  );
}
