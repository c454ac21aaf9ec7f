import { describe, expect, it } from "vitest";
import { parseWidgetStatuses } from "../api/export-dashboard";
import { dashboardSchema } from "../api/get-dashboard";
import { opsOverview } from "../../../test/dashboards";
import { dashboardExportUrl, defaultOptions, widgetExportUrl } from "../utils/export-options";

const layoutOf = (layout: Record<string, unknown>) => dashboardSchema.parse({ ...opsOverview, layout }).layout;

describe("defaultOptions", () => {
  it("takes a saved custom range, a theme name and a page size in any case", () => {
    const layout = layoutOf({
      timeframe: { from: "2026-11-20T00:00:00Z", to: "2026-11-21T00:00:00Z" },
      theme: "dark",
      page: { size: "a3" },
      widgets: [],
    });
    expect(defaultOptions(layout)).toEqual({
      timeframe: { from: "2026-11-20T00:00:00Z", to: "2026-11-21T00:00:00Z" },
      theme: "dark",
      page: "A3",
      orientation: "portrait",
      scale: "1",
    });
  });

  it("falls back to 24 hours, light, A4 portrait at 1x when the layout says nothing usable", () => {
    const layout = layoutOf({ timeframe: { from: "2026-11-20T00:00:00Z" }, page: { size: "custom" }, widgets: [] });
    expect(defaultOptions(layout)).toEqual({
      timeframe: { last: "24h" },
      theme: "light",
      page: "A4",
      orientation: "portrait",
      scale: "1",
    });
  });
});

describe("export URLs", () => {
  const options = {
    timeframe: { from: "2026-11-20T00:00:00.000Z", to: "2026-11-21T00:00:00.000Z" },
    theme: "dark",
    page: "Legal",
    orientation: "landscape",
    scale: "2",
  } as const;

  it("sends a custom range as from/to and only the overrides each format uses", () => {
    expect(dashboardExportUrl("ops", "png", options)).toBe(
      "/api/v1/dashboards/ops/export.png?from=2026-11-20T00%3A00%3A00.000Z&to=2026-11-21T00%3A00%3A00.000Z&theme=dark&scale=2",
    );
    expect(widgetExportUrl("ops", "net in", "pdf", options)).toBe(
      "/api/v1/dashboards/ops/widgets/net%20in/export.pdf?from=2026-11-20T00%3A00%3A00.000Z&to=2026-11-21T00%3A00%3A00.000Z&theme=dark&page=Legal&orientation=landscape",
    );
  });
});

describe("parseWidgetStatuses", () => {
  it("reads the Export-Widgets header and ignores a malformed one", () => {
    expect(parseWidgetStatuses('[{"id":"cpu","status":"error","message":"Unknown metric"}]')).toEqual([
      { id: "cpu", status: "error", message: "Unknown metric" },
    ]);
    expect(parseWidgetStatuses("not json")).toEqual([]);
    expect(parseWidgetStatuses(null)).toEqual([]);
  });
});
