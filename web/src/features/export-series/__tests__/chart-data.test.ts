import { describe, expect, it } from "vitest";
import type { PreviewChartPart } from "../api/preview-series";
import { toChartData } from "../utils/chart-data";

// 10 columns of 100 s each.
const from = "2026-11-21T10:00:00Z";
const to = "2026-11-21T10:16:40Z";
const t0 = Date.parse(from) / 1000;

const chart = (series: PreviewChartPart["series"]): PreviewChartPart => ({ width: 10, from, to, seriesTotal: series.length, series });

describe("toChartData", () => {
  it("puts each column's min and max at a quarter and three quarters of the column, for every series", () => {
    const data = toChartData(
      chart([
        { name: "cpu · web-01", columns: [0, 1, 2], min: [1, 2, 3], max: [5, 6, 7] },
        { name: "cpu · web-02", columns: [1, 2], min: [10, null], max: [20, null] },
      ]),
    )!;
    expect(data.x).toEqual([t0 + 25, t0 + 75, t0 + 125, t0 + 175, t0 + 225, t0 + 275]);
    expect(data.series).toEqual([
      { label: "cpu · web-01", values: [1, 5, 2, 6, 3, 7] },
      { label: "cpu · web-02", values: [null, null, 10, 20, null, null] },
    ]);
    expect(data.total).toBe(2);
  });

  it("breaks the lines where no series has data for more than twice the usual step", () => {
    const data = toChartData(chart([{ name: "a", columns: [0, 1, 2, 7, 8], min: [1, 1, 1, 2, 2], max: [1, 1, 1, 2, 2] }]))!;
    // A marker at the end of column 2 (t0 + 300) with no value in any series.
    expect(data.x).toContain(t0 + 300);
    expect(data.series[0]!.values[data.x.indexOf(t0 + 300)]).toBeNull();
    expect(data.x.at(-1)).toBe(t0 + 875);
  });

  it("keeps sparse buckets connected when they are the usual step apart", () => {
    const data = toChartData(chart([{ name: "a", columns: [0, 3, 6, 9], min: [1, 2, 3, 4], max: [1, 2, 3, 4] }]))!;
    expect(data.x).toHaveLength(8);
    expect(data.series[0]!.values).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
  });

  it("has nothing to draw without a chart or series", () => {
    expect(toChartData(undefined)).toBeUndefined();
    expect(toChartData(chart([]))).toBeUndefined();
  });
});
