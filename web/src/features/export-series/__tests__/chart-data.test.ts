import { describe, expect, it } from "vitest";
import { serversPreview } from "../../../test/fixtures";
import { toChartData } from "../utils/chart-data";

const t10 = Date.parse("2026-11-21T10:00:00Z") / 1000;
const t11 = Date.parse("2026-11-21T11:00:00Z") / 1000;

describe("toChartData", () => {
  it("draws one line per server from wide rows, with gaps for nulls", () => {
    expect(toChartData(serversPreview)).toEqual({
      x: [t10, t11],
      series: [
        { label: "web-01", values: [41.5, 44] },
        { label: "web-02", values: [37.25, null] },
      ],
    });
  });

  it("names series by key and metric in the long shape", () => {
    const long = {
      ...serversPreview,
      columns: [
        { name: "time", type: "timestamp" },
        { name: "server", type: "string" },
        { name: "cpu_percent", type: "double" },
        { name: "memory_percent", type: "double" },
      ],
      rows: [
        ["2026-11-21T11:00:00Z", "web-01", 44, 61],
        ["2026-11-21T10:00:00Z", "web-01", 41.5, 60],
      ],
    };

    expect(toChartData(long)?.series).toEqual([
      { label: "web-01 · cpu_percent", values: [41.5, 44] },
      { label: "web-01 · memory_percent", values: [60, 61] },
    ]);
  });

  it("has nothing to draw without a time column", () => {
    expect(toChartData({ ...serversPreview, columns: [{ name: "agent", type: "string" }, { name: "n", type: "integer" }] })).toBeUndefined();
  });
});
