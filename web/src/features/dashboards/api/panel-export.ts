import { useState } from "react";
import { startBrowserDownload } from "../../../lib/download";
import type { Dashboard } from "./get-dashboard";
import { useExportVisual } from "./export-dashboard";
import { widgetDataUrl, widgetExportUrl, type DataFormat, type ExportOptions, type VisualFormat } from "../utils/export-options";

export type PanelFormat = VisualFormat | DataFormat;

const FORMAT_WORDS: Record<PanelFormat, string> = { png: "PNG", pdf: "PDF", csv: "CSV", xlsx: "Excel", json: "JSON" };

/**
 * One panel's exports, shared by the preview's panel menus and the widget list: PNG and PDF are drawn and saved by
 * the page (which reads each widget's status); CSV, Excel and JSON go to the browser's download manager, which
 * streams the file from the panel's data route.
 */
export function usePanelExport(dashboard: Dashboard, options: ExportOptions) {
  const exporter = useExportVisual();
  const [handed, setHanded] = useState<string | null>(null);

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

  return { exporter, handed, start };
}

export type PanelExport = ReturnType<typeof usePanelExport>;
