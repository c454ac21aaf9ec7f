import { Select } from "../../../../components/ui/Select";
import { TextInput } from "../../../../components/ui/TextInput";
import type { DateFormat, Nulls } from "../../../../lib/export-request";

const PRESET_DATE_FORMATS = ["iso", "unix", "unix_ms"] as const;
const DEFAULT_PATTERN = "yyyy-MM-dd HH:mm:ss";
type DateMode = (typeof PRESET_DATE_FORMATS)[number] | "custom";

export type FieldErrorsOf = (name: string) => string[] | undefined;

export function DateFormatField({
  value,
  onChange,
  errorsOf,
}: {
  value: DateFormat;
  onChange: (value: DateFormat) => void;
  errorsOf: FieldErrorsOf;
}) {
  const mode: DateMode = (PRESET_DATE_FORMATS as readonly string[]).includes(value) ? (value as DateMode) : "custom";
  return (
    <>
      <Select<DateMode>
        label="Dates"
        value={mode}
        options={[
          { value: "iso", label: "ISO 8601 (2026-11-22T09:30:00Z)" },
          { value: "unix", label: "Unix seconds" },
          { value: "unix_ms", label: "Unix milliseconds" },
          { value: "custom", label: "Custom pattern…" },
        ]}
        onChange={(next) => onChange(next === "custom" ? DEFAULT_PATTERN : next)}
        errors={mode === "custom" ? undefined : errorsOf("dateFormat")}
      />
      {mode === "custom" && (
        <TextInput
          label="Date pattern"
          value={value}
          onChange={onChange}
          placeholder={DEFAULT_PATTERN}
          spellCheck={false}
          hint="yyyy year, MM month, dd day, HH hour, mm minute, ss second, fff milliseconds."
          errors={errorsOf("dateFormat")}
        />
      )}
    </>
  );
}

export function DecimalsField({
  value,
  onChange,
  errorsOf,
}: {
  value: number | null;
  onChange: (value: number | null) => void;
  errorsOf: FieldErrorsOf;
}) {
  return (
    <TextInput
      label="Decimal places"
      type="number"
      inputMode="numeric"
      min={0}
      max={15}
      step={1}
      value={value === null || Number.isNaN(value) ? "" : String(value)}
      onChange={(text) => onChange(text.trim() === "" ? null : Number(text))}
      hint="Empty keeps full precision."
      errors={errorsOf("decimals")}
    />
  );
}

export function NullsField({
  value,
  onChange,
  errorsOf,
}: {
  value: Nulls;
  onChange: (value: Nulls) => void;
  errorsOf: FieldErrorsOf;
}) {
  return (
    <Select<Nulls>
      label="Missing values"
      value={value}
      options={[
        { value: "include", label: "Write null" },
        { value: "exclude", label: "Leave the key out" },
        { value: "empty", label: "Empty string" },
      ]}
      onChange={onChange}
      errors={errorsOf("nulls")}
    />
  );
}

/** A number input whose value is null while the field is empty. */
export function NumberField({
  label,
  value,
  onChange,
  min,
  max,
  step,
  hint,
  errors,
  className,
}: {
  label: string;
  value: number | null;
  onChange: (value: number | null) => void;
  min?: number;
  max?: number;
  step?: number | "any";
  hint?: string;
  errors: string[] | undefined;
  className?: string;
}) {
  return (
    <TextInput
      className={className}
      label={label}
      type="number"
      inputMode={step === "any" ? "decimal" : "numeric"}
      min={min}
      max={max}
      step={step ?? 1}
      value={value === null || Number.isNaN(value) ? "" : String(value)}
      onChange={(text) => onChange(text.trim() === "" ? null : Number(text))}
      hint={hint}
      errors={errors}
    />
  );
}
