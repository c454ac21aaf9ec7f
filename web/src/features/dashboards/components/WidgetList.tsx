import { useId, useState } from "react";
import { startBrowserDownload } from "../../../lib/download";
import { useExportVisual } from "../api/export-dashboard";
import type { Dashboard } from "../api/get-dashboard";
import { widgetDataUrl, widgetExportUrl, type ExportOptions } from "../utils/export-options";
import { ExportStatus } from "./ExportStatus";
import { PanelMenu, type PanelFormat } from "./PanelMenu";

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

const FORMAT_WORDS: Record<PanelFormat, string> = { png: "PNG", pdf: "PDF", csv: "CSV", xlsx: "Excel", json: "JSON" };

/**
 * The dashboard's widgets, in reading order, each with its panel menu: PNG and PDF are drawn and saved here (with
 * each widget's status); CSV, Excel and JSON go to the browser's download manager, which streams the file.
 */
export function WidgetList({ dashboard, options, disabled }: WidgetListProps) {
  const headingId = useId();
  const exporter = useExportVisual();
  const [handed, setHanded] = useState<string | null>(null);
  const widgets = [...dashboard.layout.widgets].sort((a, b) => a.y - b.y || a.x - b.x);

  const start = (widgetId: string, title: string, format: PanelFormat) => {
    if (format === "png" || format === "pdf") {
      setHanded(null);
      exporter.mutate({
        url: widgetExportUrl(dashboard.id, widgetId, format, options),
        fallbackFilename: `${dashboard.slug}-${widgetId}.${format}`,
        label: `${title} as ${format.toUpperCase()}`,
      });
      return;
    }
    exporter.reset();
    startBrowserDownload(widgetDataUrl(dashboard.id, widgetId, format, options), `${dashboard.slug}-${widgetId}.${format}`);
    setHanded(`${title} as ${FORMAT_WORDS[format]}: your browser is downloading it (see its downloads).`);
  };

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
