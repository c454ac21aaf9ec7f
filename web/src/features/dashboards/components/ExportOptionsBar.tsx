import { Select } from "../../../components/ui/Select";
import { TimeRangePicker } from "../../../components/TimeRangePicker";
import {
  ORIENTATIONS,
  PAGE_SIZES,
  type ExportOptions,
  type Orientation,
  type PageSize,
  type Scale,
  type Theme,
} from "../utils/export-options";

export interface ExportOptionsBarProps {
  value: ExportOptions;
  onChange: (value: ExportOptions) => void;
  /** Told while a typed custom range is invalid, so exports can wait for a valid one. */
  onRangeProblemChange?: (problem: string | undefined) => void;
}

const THEME_OPTIONS = [
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
] as const satisfies readonly { value: Theme; label: string }[];

const PAGE_OPTIONS = PAGE_SIZES.map((size) => ({ value: size, label: size }));

const ORIENTATION_OPTIONS = ORIENTATIONS.map((orientation) => ({
  value: orientation,
  label: orientation === "portrait" ? "Portrait" : "Landscape",
}));

const SCALE_OPTIONS = [
  { value: "1", label: "1x" },
  { value: "2", label: "2x" },
] as const satisfies readonly { value: Scale; label: string }[];

/** Time range, theme, page and scale: the overrides every preview and export of the dashboard uses. */
export function ExportOptionsBar({ value, onChange, onRangeProblemChange }: ExportOptionsBarProps) {
  const set = <K extends keyof ExportOptions>(key: K, next: ExportOptions[K]) => onChange({ ...value, [key]: next });
  return (
    <div className="options-bar" role="group" aria-label="Export options">
      <div className="field options-bar-range">
        <span className="field-label" aria-hidden="true">
          Time range
        </span>
        <TimeRangePicker
          value={value.timeframe}
          onChange={(timeframe) => set("timeframe", timeframe)}
          onProblemChange={onRangeProblemChange}
        />
      </div>
      <Select<Theme> label="Theme" value={value.theme} options={THEME_OPTIONS} onChange={(next) => set("theme", next)} />
      <Select<PageSize>
        label="Page size"
        hint="PDF only"
        value={value.page}
        options={PAGE_OPTIONS}
        onChange={(next) => set("page", next)}
      />
      <Select<Orientation>
        label="Orientation"
        hint="PDF only"
        value={value.orientation}
        options={ORIENTATION_OPTIONS}
        onChange={(next) => set("orientation", next)}
      />
      <Select<Scale>
        label="Scale"
        hint="PNG only"
        value={value.scale}
        options={SCALE_OPTIONS}
        onChange={(next) => set("scale", next)}
      />
    </div>
  );
}
