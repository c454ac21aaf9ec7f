import { describe, expect, it } from "vitest";
import type { DashboardLayout } from "../api/get-dashboard";
import { panelGeometry } from "../utils/panel-geometry";

const widget = (id: string, x: number, y: number, w: number, h: number) => ({ id, type: "line", x, y, w, h });

describe("panelGeometry", () => {
  it("places widgets as the renderer does (12 columns, 80-pixel rows, 8-pixel gaps, 16-pixel padding, 58-pixel header)", () => {
    const layout = { widgets: [widget("cpu", 0, 0, 8, 4), widget("stat", 8, 0, 4, 2), widget("net", 6, 4, 6, 4)] } as DashboardLayout;
    const { aspect, panels } = panelGeometry(layout);
    // 8 rows: 8 * 88 - 8 = 696 of content; 58 + 696 + 32 = 786 high, 1600 wide; a column is (1600 - 32 - 88) / 12.
    const column = (1600 - 32 - 88) / 12;
    expect(aspect).toBeCloseTo(1600 / 786, 12);
    const [cpu, stat, net] = panels;
    expect(cpu).toMatchObject({ left: 16 / 1600, top: 74 / 786 });
    expect(cpu!.width).toBeCloseTo((8 * column + 7 * 8) / 1600, 12);
    expect(cpu!.height).toBeCloseTo((4 * 80 + 3 * 8) / 786, 12);
    expect(stat!.left).toBeCloseTo((16 + 8 * (column + 8)) / 1600, 12);
    expect(stat!.left + stat!.width).toBeCloseTo((1600 - 16) / 1600, 12); // the right edge is the padding's
    expect(net!.top).toBeCloseTo((74 + 4 * 88) / 786, 12);
    expect(net!.top + net!.height).toBeCloseTo((786 - 16) / 786, 12); // the bottom row ends at the padding
  });

  it("follows the layout's own grid and viewport width", () => {
    const layout = {
      viewportWidth: 1000,
      grid: { columns: 4, rowHeight: 50, gap: 10, padding: 20 },
      widgets: [widget("a", 1, 1, 2, 1)],
    } as DashboardLayout;
    const { aspect, panels } = panelGeometry(layout);
    const height = 58 + 2 * 60 - 10 + 40;
    expect(aspect).toBeCloseTo(1000 / height, 12);
    const column = (1000 - 40 - 30) / 4;
    expect(panels[0]!.left).toBeCloseTo((20 + column + 10) / 1000, 12);
    expect(panels[0]!.top).toBeCloseTo((20 + 58 + 60) / height, 12);
  });
});
