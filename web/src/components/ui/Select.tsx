import type { ReactNode } from "react";
import { Field } from "./Field";

export interface SelectOption<T extends string> {
  value: T;
  label: string;
}

export interface SelectProps<T extends string> {
  label: ReactNode;
  value: T;
  options: readonly SelectOption<T>[];
  onChange: (value: T) => void;
  hint?: ReactNode;
  errors?: string[] | undefined;
  disabled?: boolean;
  className?: string;
}

export function Select<T extends string>({
  label,
  value,
  options,
  onChange,
  hint,
  errors,
  disabled,
  className,
}: SelectProps<T>) {
  return (
    <Field label={label} hint={hint} errors={errors} className={className}>
      {(control) => (
        <select
          {...control}
          className="input"
          value={value}
          disabled={disabled}
          onChange={(event) => onChange(event.target.value as T)}
        >
          {options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
