import type { MenuItem } from "../../../components/ui/MenuButton";
import { MenuButton } from "../../../components/ui/MenuButton";
import type { DashboardWidget } from "../api/get-dashboard";
import type { PanelFormat } from "../api/panel-export";
import type { DataFormat } from "../utils/export-options";
import "./PanelMenu.css";

export type { PanelFormat };

export interface PanelMenuProps {
  widget: DashboardWidget;
  disabled?: boolean | undefined;
  onExport: (format: PanelFormat) => void;
  /** The button's accessible name; "Panel menu: <title>" unless given. */
  name?: string;
}

const DATA_FORMATS: { id: DataFormat; label: string; description: string }[] = [
  { id: "csv", label: "CSV", description: "Data, comma-separated" },
  { id: "xlsx", label: "Excel", description: "Data, .xlsx workbook" },
  { id: "json", label: "JSON", description: "Data with its metadata" },
];

/**
 * A panel's "⋯" menu (Grafana's Inspect › Data, Metabase's ⋯ › Download): the panel as PNG or PDF, and its data as
 * CSV, Excel or JSON. A widget without a query (text) has no data: those items say so and are disabled.
 */
export function PanelMenu({ widget, disabled, onExport, name }: PanelMenuProps) {
  const title = widget.title || widget.id;
  const hasData = widget.query != null && widget.type !== "text";
  const items: MenuItem[] = [
    { id: "png", label: "PNG", description: "Image of the panel", onSelect: () => onExport("png") },
    { id: "pdf", label: "PDF", description: "Document", onSelect: () => onExport("pdf") },
    ...DATA_FORMATS.map((format, index) => ({
      id: format.id,
      label: format.label,
      description: hasData ? format.description : "A text panel has no data",
      disabled: !hasData,
      separated: index === 0,
      onSelect: () => onExport(format.id),
    })),
  ];
  return (
    <div className="panel-menu">
      <MenuButton
        variant="ghost"
        disabled={disabled}
        label={
          <>
            <span className="sr-only">{name ?? `Panel menu: ${title}`}</span>
            <span aria-hidden="true" className="panel-menu-dots">
              ⋯
            </span>
          </>
        }
        items={items}
      />
    </div>
  );
}
