import type { DashboardLayout, DashboardWidget } from "../api/get-dashboard";

/** The renderer's grid (api/Rendering/GridLayout.cs, RenderDocument.cs): columns, row height, gap and padding in
 * logical pixels, a 58-pixel title header, and the layout's viewport width (1600 by default). */
const HEADER_HEIGHT = 58;

export interface PanelBox {
  widget: DashboardWidget;
  /** Position and size as fractions of the drawn image (0-1), so they hold at any scale the image is shown at. */
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface PreviewGeometry {
  /** The image's width / height. */
  aspect: number;
  panels: PanelBox[];
}

/** Where each widget lands in the dashboard's PNG, computed as the renderer places it. */
export function panelGeometry(layout: DashboardLayout): PreviewGeometry {
  const columns = layout.grid?.columns ?? 12;
  const rowHeight = layout.grid?.rowHeight ?? 80;
  const gap = layout.grid?.gap ?? 8;
  const padding = layout.grid?.padding ?? 16;
  const width = layout.viewportWidth ?? 1600;
  const widgets = layout.widgets;
  const content = widgets.length === 0 ? rowHeight : Math.max(...widgets.map((w) => w.y + w.h)) * (rowHeight + gap) - gap;
  const height = Math.ceil(HEADER_HEIGHT + content + padding * 2);
  const column = (width - 2 * padding - (columns - 1) * gap) / columns;
  const top = padding + HEADER_HEIGHT;
  return {
    aspect: width / height,
    panels: widgets.map((widget) => ({
      widget,
      left: (padding + widget.x * (column + gap)) / width,
      top: (top + widget.y * (rowHeight + gap)) / height,
      width: (widget.w * column + (widget.w - 1) * gap) / width,
      height: (widget.h * rowHeight + (widget.h - 1) * gap) / height,
    })),
  };
}
