import { useId } from "react";
import type { PanelExport } from "../api/panel-export";
import type { Dashboard } from "../api/get-dashboard";
import { ExportStatus } from "./ExportStatus";
import { PanelMenu } from "./PanelMenu";

export interface WidgetListProps {
  dashboard: Dashboard;
  panels: PanelExport;
  /** Set while the options cannot be exported (an invalid custom range). */
  disabled?: boolean;
}

const TYPE_WORDS: Record<string, string> = {
  line: "Line chart",
  area: "Area chart",
  bar: "Bar chart",
  stat: "Stat",
  gauge: "Gauge",
  table: "Table",
  text: "Text",
};

/** The dashboard's widgets, in reading order, each with its panel menu (PNG, PDF, CSV, Excel, JSON). */
export function WidgetList({ dashboard, panels, disabled }: WidgetListProps) {
  const headingId = useId();
  const { exporter, handed, start } = panels;
  const widgets = [...dashboard.layout.widgets].sort((a, b) => a.y - b.y || a.x - b.x);

  return (
    <section className="card stack-tight" aria-labelledby={headingId}>
      <h2 id={headingId} className="section-title">
        Widgets
      </h2>
      {widgets.length === 0 ? (
        <p className="muted">This dashboard has no widgets.</p>
      ) : (
        <ul className="widget-list">
          {widgets.map((widget) => {
            const title = widget.title || widget.id;
            return (
              <li key={widget.id} className="widget-row">
                <span className="widget-title">{title}</span>
                <span className="kind-badge">{TYPE_WORDS[widget.type] ?? widget.type}</span>
                <PanelMenu
                  widget={widget}
                  disabled={disabled || exporter.isPending}
                  onExport={(format) => start(widget.id, title, format)}
                />
              </li>
            );
          })}
        </ul>
      )}
      <ExportStatus exporter={exporter} widgets={widgets} />
      {handed && (
        <p role="status" className="success-text">
          {handed}
        </p>
      )}
    </section>
  );
}
