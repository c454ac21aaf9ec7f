import { useEffect, useId, useState } from "react";
import type { Timeframe } from "../lib/export-request";
import {
  TIMEFRAME_PRESETS,
  describeTimeframe,
  fromDateTimeLocal,
  toDateTimeLocal,
} from "../lib/timeframe";

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

function lastToMs(last: string): number {
  const match = /^(\d+)([mhdw])$/.exec(last);
  return match?.[1] && match[2] ? Number(match[1]) * (UNIT_MS[match[2]] ?? 0) : UNIT_MS.d!;
}

export interface TimeRangePickerProps {
  value: Timeframe;
  onChange: (value: Timeframe) => void;
  /** Accessible name of the preset group. */
  label?: string;
  /** Told the problem with what the user typed (undefined once the range is valid), so callers can stop
   * exporting the previous range while the shown one is invalid. */
  onProblemChange?: (problem: string | undefined) => void;
}

/** Preset buttons (1h … 30d) and a custom from/to range in the browser's local time. */
export function TimeRangePicker({ value, onChange, label = "Time range", onProblemChange }: TimeRangePickerProps) {
  const id = useId();
  const custom = !("last" in value);
  // What the user typed while the range is not yet valid; otherwise the inputs show `value`.
  const [typed, setTyped] = useState<{ from: string; to: string } | null>(null);

  const shown = typed ?? {
    from: "from" in value ? toDateTimeLocal(new Date(value.from)) : "",
    to: "to" in value ? toDateTimeLocal(new Date(value.to)) : "",
  };
  const from = fromDateTimeLocal(shown.from);
  const to = fromDateTimeLocal(shown.to);
  const problem = typed
    ? !from || !to
      ? "Enter a start and an end."
      : from >= to
        ? "The start must be before the end."
        : undefined
    : undefined;
  useEffect(() => onProblemChange?.(problem), [problem, onProblemChange]);

  const startCustom = () => {
    if (!("last" in value)) return;
    const end = new Date();
    const start = new Date(end.getTime() - lastToMs(value.last));
    setTyped(null);
    onChange({ from: start.toISOString(), to: end.toISOString() });
  };

  const edit = (next: { from: string; to: string }) => {
    const nextFrom = fromDateTimeLocal(next.from);
    const nextTo = fromDateTimeLocal(next.to);
    if (nextFrom && nextTo && nextFrom < nextTo) {
      setTyped(null);
      onChange({ from: nextFrom, to: nextTo });
    } else {
      setTyped(next);
    }
  };

  return (
    <div className="time-range">
      <div className="segmented" role="group" aria-label={label}>
        {TIMEFRAME_PRESETS.map((preset) => (
          <button
            key={preset}
            type="button"
            className="segment"
            aria-pressed={"last" in value && value.last === preset}
            onClick={() => {
              setTyped(null);
              onChange({ last: preset });
            }}
          >
            {preset}
          </button>
        ))}
        <button type="button" className="segment" aria-pressed={custom} onClick={startCustom}>
          Custom
        </button>
      </div>
      {custom && (
        <div className="custom-range">
          <label htmlFor={`${id}-from`}>From</label>
          <input
            id={`${id}-from`}
            type="datetime-local"
            className="input"
            value={shown.from}
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? `${id}-problem` : undefined}
            onChange={(event) => edit({ ...shown, from: event.target.value })}
          />
          <label htmlFor={`${id}-to`}>To</label>
          <input
            id={`${id}-to`}
            type="datetime-local"
            className="input"
            value={shown.to}
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? `${id}-problem` : undefined}
            onChange={(event) => edit({ ...shown, to: event.target.value })}
          />
          {problem && (
            <p id={`${id}-problem`} className="field-error">
              {problem}
            </p>
          )}
        </div>
      )}
      <p className="sr-only" aria-live="polite">
        {problem ? "" : describeTimeframe(value)}
      </p>
    </div>
  );
}
