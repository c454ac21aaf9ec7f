import { useId, useState } from "react";
import { Button } from "../../../components/ui/Button";
import { describeTimeframe } from "../../../lib/timeframe";
import { useDebouncedValue } from "../../../lib/use-debounced-value";
import { useExportVisual } from "../api/export-dashboard";
import { usePanelExport } from "../api/panel-export";
import type { Dashboard } from "../api/get-dashboard";
import { dashboardExportUrl, defaultOptions, type ExportOptions, type VisualFormat } from "../utils/export-options";
import { DashboardPreview } from "./DashboardPreview";
import { ExportOptionsBar } from "./ExportOptionsBar";
import { ExportStatus } from "./ExportStatus";
import { ShareLink } from "./ShareLink";
import { WidgetList } from "./WidgetList";

/**
 * One dashboard: options, the server-drawn preview of exactly those options, the export buttons, its widgets and
 * its public link. Mount it with `key={dashboard.id}` so the options start from each dashboard's own settings.
 */
export function DashboardWorkspace({ dashboard }: { dashboard: Dashboard }) {
  const titleId = useId();
  const [options, setOptions] = useState<ExportOptions>(() => defaultOptions(dashboard.layout));
  const [rangeProblem, setRangeProblem] = useState<string | undefined>();
  const exporter = useExportVisual();
  const panels = usePanelExport(dashboard, options);
  // Clicking through presets should not draw every one of them.
  const previewUrl = useDebouncedValue(dashboardExportUrl(dashboard.id, "png", options), 300);
  const saved = dashboard.layout.timeframe;
  const blocked = rangeProblem !== undefined;

  const start = (format: VisualFormat) =>
    exporter.mutate({
      url: dashboardExportUrl(dashboard.id, format, options),
      fallbackFilename: `${dashboard.slug}.${format}`,
      label: `${dashboard.title} as ${format.toUpperCase()}`,
    });

  return (
    <section className="content" aria-labelledby={titleId}>
      <div className="toolbar">
        <div className="stack-tight">
          <h1 id={titleId} className="page-title">
            {dashboard.title}
          </h1>
          <p className="muted">
            {dashboard.description}
            {saved && (
              <>
                {dashboard.description ? " · " : ""}Saved range: {describeTimeframe(saved)}
                {dashboard.layout.timezone ? ` (${dashboard.layout.timezone})` : ""}
              </>
            )}
          </p>
        </div>
        <div className="toolbar-actions">
          <Button variant="primary" disabled={blocked || exporter.isPending} onClick={() => start("png")}>
            Export PNG
          </Button>
          <Button disabled={blocked || exporter.isPending} onClick={() => start("pdf")}>
            Export PDF
          </Button>
        </div>
      </div>
      <div className="export-feedback">
        <ExportStatus exporter={exporter} widgets={dashboard.layout.widgets} />
      </div>

      <div className="card">
        <ExportOptionsBar value={options} onChange={setOptions} onRangeProblemChange={setRangeProblem} />
      </div>

      <div className="card">
        <DashboardPreview
          url={previewUrl}
          title={dashboard.title}
          layout={dashboard.layout}
          onPanelExport={blocked || panels.exporter.isPending ? undefined : panels.start}
        />
      </div>

      <div className="dashboard-panels">
        <WidgetList dashboard={dashboard} panels={panels} disabled={blocked} />
        <ShareLink dashboard={dashboard} />
      </div>
    </section>
  );
}
