import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { ChartData } from "../utils/chart-data";

const PALETTE = ["#4f46e5", "#0891b2", "#d97706", "#db2777", "#059669", "#7c3aed", "#dc2626", "#2563eb", "#65a30d", "#9333ea", "#ea580c", "#0f766e"];
const HEIGHT = 260;

/** A uPlot line chart, one line per series, resized with its container. */
export function PreviewChart({ data, timezone }: { data: ChartData; timezone?: string | null | undefined }) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  /** The data the chart shows now. */
  const shown = useRef<ChartData | null>(null);
  // What the chart is built for: the same series (names, order) with the same points setting and zone are redrawn
  // in place (setData), so Live's re-reads keep the cursor and the legend instead of rebuilding the chart each second.
  const shape = JSON.stringify([timezone ?? "", data.x.length < 60, data.series.map((series) => series.label)]);

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const current = data;
    // The theme's colours (light or dark), read once per drawing.
    const css = getComputedStyle(element);
    const muted = css.getPropertyValue("--text-muted").trim() || "#64748b";
    const grid = css.getPropertyValue("--border").trim() || "#e2e8f0";
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 320),
      height: HEIGHT,
      ...(timezone ? { tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), timezone) } : {}),
      legend: { show: true },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: true } },
      axes: [
        { stroke: muted, grid: { stroke: grid } },
        {
          stroke: muted,
          grid: { stroke: grid },
          // Wide enough for the longest tick label ("200,000"), so none is cut at the left edge.
          size: (_self: uPlot, values: string[] | null) => 14 + 7 * Math.max(3, ...(values ?? []).map((v) => String(v).length)),
        },
      ],
      series: [
        {},
        ...current.series.map((series, index) => ({
          label: series.label,
          stroke: PALETTE[index % PALETTE.length],
          width: 1.5,
          spanGaps: false,
          points: { show: current.x.length < 60 },
        })),
      ],
    };
    const drawn = new uPlot(options, [current.x, ...current.series.map((series) => series.values)], element);
    plot.current = drawn;
    shown.current = current;
    const observer = new ResizeObserver(() => drawn.setSize({ width: Math.max(element.clientWidth, 320), height: HEIGHT }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      drawn.destroy();
      plot.current = null;
      shown.current = null;
    };
    // `shape` stands for the parts of `data` that need a new chart; the rest goes through setData below.
  }, [shape, timezone]);

  useEffect(() => {
    if (!plot.current || shown.current === data) return; // drawn with it just now
    shown.current = data;
    plot.current.setData([data.x, ...data.series.map((series) => series.values)]);
  }, [data]);

  const names = data.series.map((series) => series.label).join(", ");
  const more = data.total - data.series.length;
  return (
    <figure className="chart">
      <div ref={container} role="img" aria-label={`Line chart of ${data.series.length} series over the whole range: ${names}`} />
      <figcaption className="muted">
        The whole range, every series: minimum and maximum per pixel column.
        {more > 0 && ` The first ${data.series.length} of ${data.total} series are drawn.`}
      </figcaption>
    </figure>
  );
}
