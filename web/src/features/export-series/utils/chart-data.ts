import type { SeriesPreview } from "../api/preview-series";

export interface ChartSeries {
  label: string;
  values: (number | null)[];
}

export interface ChartData {
  /** Unix seconds, ascending. */
  x: number[];
  series: ChartSeries[];
}

const TIME_TYPES = new Set(["timestamp", "timestamptz", "datetime", "date", "time", "instant"]);
const TIME_NAMES = new Set(["time", "timestamp", "ts", "bucket", "period"]);
const NUMBER_TYPES = new Set(["double", "float", "integer", "int", "long", "number", "decimal", "real", "bigint"]);

export const MAX_CHART_SERIES = 12;

/**
 * Turns preview rows (long or wide) into line series: the time column is x, every numeric column
 * is a measure, and the string columns (server, region, metric, …) tell the series apart.
 */
export function toChartData(preview: SeriesPreview): ChartData | undefined {
  const columns = preview.columns.map((column, index) => ({ ...column, index, type: column.type.toLowerCase() }));
  const time =
    columns.find((column) => TIME_TYPES.has(column.type)) ??
    columns.find((column) => TIME_NAMES.has(column.name.toLowerCase()));
  if (!time) return undefined;
  const measures = columns.filter((column) => column !== time && NUMBER_TYPES.has(column.type));
  const keys = columns.filter((column) => column !== time && !NUMBER_TYPES.has(column.type));
  if (measures.length === 0) return undefined;

  const points = new Map<string, Map<number, number | null>>();
  const xs = new Set<number>();
  for (const row of preview.rows) {
    const raw = row[time.index];
    const x = typeof raw === "number" ? raw : Date.parse(String(raw)) / 1000;
    if (!Number.isFinite(x)) continue;
    xs.add(x);
    const key = keys.map((column) => String(row[column.index] ?? "")).filter(Boolean);
    for (const measure of measures) {
      const label = [...key, ...(measures.length > 1 || key.length === 0 ? [measure.name] : [])].join(" · ");
      const value = row[measure.index];
      let series = points.get(label);
      if (!series) {
        if (points.size >= MAX_CHART_SERIES) continue;
        series = new Map();
        points.set(label, series);
      }
      series.set(x, typeof value === "number" ? value : null);
    }
  }

  const x = [...xs].sort((a, b) => a - b);
  if (x.length === 0) return undefined;
  return {
    x,
    series: [...points].map(([label, byX]) => ({ label, values: x.map((at) => byX.get(at) ?? null) })),
  };
}
