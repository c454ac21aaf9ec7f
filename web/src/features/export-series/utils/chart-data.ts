import type { PreviewChartPart } from "../api/preview-series";

export interface ChartSeries {
  label: string;
  values: (number | null)[];
}

export interface ChartData {
  /** Unix seconds, ascending. */
  x: number[];
  series: ChartSeries[];
  /** Series the export has in all (the server lists at most 100). */
  total: number;
}

/**
 * Turns the preview's chart part (min and max of every series in each pixel column of the whole range) into uPlot
 * data: each column with data becomes two instants, at a quarter and three quarters of its span, holding the
 * column's minimum and maximum, so a line shows every extreme as the renderer's downsampling does. Where no series
 * has data for more than twice the usual step between columns, a null breaks the lines instead of bridging the gap.
 */
export function toChartData(chart: PreviewChartPart | null | undefined): ChartData | undefined {
  if (!chart || chart.series.length === 0) return undefined;
  const from = Date.parse(chart.from) / 1000;
  const to = Date.parse(chart.to) / 1000;
  if (!Number.isFinite(from) || !(to > from)) return undefined;
  const step = (to - from) / chart.width;

  const used = [...new Set(chart.series.flatMap((series) => series.columns))].sort((a, b) => a - b);
  if (used.length === 0) return undefined;
  const diffs = used.slice(1).map((column, i) => column - used[i]!);
  const usual = diffs.length > 0 ? [...diffs].sort((a, b) => a - b)[Math.floor(diffs.length / 2)]! : 1;

  // Positions in x: per used column, its two instants; a gap marker where columns are missing.
  const x: number[] = [];
  const slot = new Map<number, number>();
  used.forEach((column, i) => {
    if (i > 0 && column - used[i - 1]! > Math.max(1, 2 * usual)) x.push(from + (used[i - 1]! + 1) * step);
    slot.set(column, x.length);
    x.push(from + (column + 0.25) * step, from + (column + 0.75) * step);
  });

  const series = chart.series.map((s) => {
    const values: (number | null)[] = new Array<number | null>(x.length).fill(null);
    s.columns.forEach((column, i) => {
      const at = slot.get(column)!;
      values[at] = s.min[i] ?? null;
      values[at + 1] = s.max[i] ?? null;
    });
    return { label: s.name, values };
  });
  return { x, series, total: chart.seriesTotal };
}
