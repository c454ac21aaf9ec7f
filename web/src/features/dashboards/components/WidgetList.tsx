import { useId } from "react";
import { MenuButton } from "../../../components/ui/MenuButton";
import { useExportVisual } from "../api/export-dashboard";
import type { Dashboard } from "../api/get-dashboard";
import { widgetExportUrl, type ExportOptions, type VisualFormat } from "../utils/export-options";
import { ExportStatus } from "./ExportStatus";

export interface WidgetListProps {
  dashboard: Dashboard;
  options: ExportOptions;
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

/** The dashboard's widgets, in reading order, each exportable on its own with the current options. */
export function WidgetList({ dashboard, options, disabled }: WidgetListProps) {
  const headingId = useId();
  const exporter = useExportVisual();
  const widgets = [...dashboard.layout.widgets].sort((a, b) => a.y - b.y || a.x - b.x);

  const start = (widgetId: string, title: string, format: VisualFormat) =>
    exporter.mutate({
      url: widgetExportUrl(dashboard.id, widgetId, format, options),
      fallbackFilename: `${dashboard.slug}-${widgetId}.${format}`,
      label: `${title} as ${format.toUpperCase()}`,
    });

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
                <MenuButton
                  variant="secondary"
                  disabled={disabled || exporter.isPending}
                  label={<Named name={`Export ${title}`}>Export</Named>}
                  items={[
                    {
                      id: "png",
                      label: <Named name={`Export ${title} as PNG`}>PNG</Named>,
                      description: "Image",
                      onSelect: () => start(widget.id, title, "png"),
                    },
                    {
                      id: "pdf",
                      label: <Named name={`Export ${title} as PDF`}>PDF</Named>,
                      description: "Document",
                      onSelect: () => start(widget.id, title, "pdf"),
                    },
                  ]}
                />
              </li>
            );
          })}
        </ul>
      )}
      <ExportStatus exporter={exporter} widgets={widgets} />
    </section>
  );
}

/** Shows `children` but names the control `name` (several widgets each have an "Export" button). */
function Named({ name, children }: { name: string; children: string }) {
  return (
    <>
      <span className="sr-only">{name}</span>
      <span aria-hidden="true">{children}</span>
    </>
  );
}
