import { render } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { PreviewChart } from "../components/PreviewChart";
import type { ChartData } from "../utils/chart-data";

const charts = vi.hoisted(() => [] as { labels: (string | undefined)[]; data: unknown[]; updates: unknown[][]; destroyed: boolean }[]);
vi.mock("uplot", () => ({
  default: class {
    static tzDate = (date: Date) => date;
    private readonly record;
    constructor(options: { series: { label?: string }[] }, data: unknown[]) {
      this.record = { labels: options.series.map((series) => series.label), data, updates: [] as unknown[][], destroyed: false };
      charts.push(this.record);
    }
    setData(data: unknown[]) {
      this.record.updates.push(data);
    }
    setSize() {}
    destroy() {
      this.record.destroyed = true;
    }
  },
}));

const chart = (labels: string[], x: number[], values: number[]): ChartData => ({
  x,
  series: labels.map((label) => ({ label, values })),
  total: labels.length,
});

describe("PreviewChart", () => {
  beforeEach(() => {
    charts.length = 0;
    vi.stubGlobal("ResizeObserver", class { observe() {} disconnect() {} });
  });

  it("redraws the same series in place with their new values, and builds a new chart when the series change", () => {
    const first = chart(["cpu · web-01"], [1, 2], [10, 11]);
    const { rerender } = render(<PreviewChart data={first} timezone="UTC" />);
    expect(charts).toHaveLength(1);
    expect(charts[0]!.data).toEqual([[1, 2], [10, 11]]);

    // Live's re-read: the same series, one more point: the chart keeps itself and takes the new data.
    rerender(<PreviewChart data={chart(["cpu · web-01"], [1, 2, 3], [10, 11, 98765.4321])} timezone="UTC" />);
    expect(charts).toHaveLength(1);
    expect(charts[0]!.updates).toEqual([[[1, 2, 3], [10, 11, 98765.4321]]]);
    expect(charts[0]!.destroyed).toBe(false);

    // Another series appears: a new chart, drawn with the data that has it.
    rerender(<PreviewChart data={chart(["cpu · web-01", "cpu · web-02"], [1, 2, 3], [1, 2, 3])} timezone="UTC" />);
    expect(charts).toHaveLength(2);
    expect(charts[0]!.destroyed).toBe(true);
    expect(charts[1]!.labels).toEqual([undefined, "cpu · web-01", "cpu · web-02"]);
    const last = charts[1]!.updates.at(-1) ?? charts[1]!.data;
    expect(last).toEqual([[1, 2, 3], [1, 2, 3], [1, 2, 3]]);
  });
});
