import { Checkbox } from "../../../../components/ui/Checkbox";
import { Select } from "../../../../components/ui/Select";
import type { JsonOptions, JsonlOptions } from "../../../../lib/export-request";
import { DateFormatField, DecimalsField, NullsField, type FieldErrorsOf } from "./CommonFields";

export function JsonOptionsPanel({
  value,
  onChange,
  errorsOf,
}: {
  value: JsonOptions;
  onChange: (value: JsonOptions) => void;
  errorsOf: FieldErrorsOf;
}) {
  const set = <K extends keyof JsonOptions>(key: K, next: JsonOptions[K]) => onChange({ ...value, [key]: next });
  return (
    <div className="options-grid">
      <Select
        className="span-2"
        label="Structure"
        value={value.style}
        options={[
          { value: "flat", label: "Flat: an array of row objects" },
          { value: "nested", label: "Nested: points grouped under each series" },
          { value: "normalized", label: "Normalized: series listed once, points refer to them" },
        ]}
        onChange={(style) => set("style", style)}
        errors={errorsOf("style")}
      />
      <DateFormatField value={value.dateFormat} onChange={(dateFormat) => set("dateFormat", dateFormat)} errorsOf={errorsOf} />
      <NullsField value={value.nulls} onChange={(nulls) => set("nulls", nulls)} errorsOf={errorsOf} />
      <DecimalsField value={value.decimals} onChange={(decimals) => set("decimals", decimals)} errorsOf={errorsOf} />
      <div className="span-2 stack-tight">
        <Checkbox label="Pretty-print (indented)" checked={value.pretty} onChange={(pretty) => set("pretty", pretty)} />
        <Checkbox
          label="Include metadata"
          hint="Adds the source, time range, time zone and column types next to the rows."
          checked={value.metadata}
          onChange={(metadata) => set("metadata", metadata)}
        />
      </div>
    </div>
  );
}

export function JsonlOptionsPanel({
  value,
  onChange,
  errorsOf,
}: {
  value: JsonlOptions;
  onChange: (value: JsonlOptions) => void;
  errorsOf: FieldErrorsOf;
}) {
  const set = <K extends keyof JsonlOptions>(key: K, next: JsonlOptions[K]) => onChange({ ...value, [key]: next });
  return (
    <div className="options-grid">
      <DateFormatField value={value.dateFormat} onChange={(dateFormat) => set("dateFormat", dateFormat)} errorsOf={errorsOf} />
      <NullsField value={value.nulls} onChange={(nulls) => set("nulls", nulls)} errorsOf={errorsOf} />
      <DecimalsField value={value.decimals} onChange={(decimals) => set("decimals", decimals)} errorsOf={errorsOf} />
    </div>
  );
}
