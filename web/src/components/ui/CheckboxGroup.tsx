import { useId, type ReactNode } from "react";

export interface CheckboxOption {
  value: string;
  label: ReactNode;
  hint?: ReactNode;
}

export interface CheckboxGroupProps {
  legend: ReactNode;
  options: readonly CheckboxOption[];
  value: readonly string[];
  onChange: (value: string[]) => void;
  hint?: ReactNode;
  /** Messages shown under the boxes and announced with the group. */
  errors?: string[] | undefined;
  columns?: 1 | 2 | 3;
  disabled?: boolean;
}

/** A fieldset of checkboxes; `value` keeps the order of `options`. */
export function CheckboxGroup({ legend, options, value, onChange, hint, errors, columns = 1, disabled }: CheckboxGroupProps) {
  const id = useId();
  const hasErrors = errors !== undefined && errors.length > 0;
  const describedBy = [hint ? `${id}-hint` : "", hasErrors ? `${id}-error` : ""].filter(Boolean).join(" ");
  const selected = new Set(value);
  const toggle = (name: string, checked: boolean) => {
    const next = new Set(selected);
    if (checked) next.add(name);
    else next.delete(name);
    onChange(options.map((option) => option.value).filter((option) => next.has(option)));
  };

  return (
    <fieldset className="fieldset" aria-describedby={describedBy || undefined} disabled={disabled}>
      <legend className="field-label">{legend}</legend>
      {hint && (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <div className={`checkbox-list cols-${columns}`}>
        {options.map((option) => (
          <label key={option.value} className="checkbox">
            <input
              type="checkbox"
              checked={selected.has(option.value)}
              onChange={(event) => toggle(option.value, event.target.checked)}
            />
            <span>
              {option.label}
              {option.hint && (
                <>
                  {" "}
                  <span className="checkbox-hint">{option.hint}</span>
                </>
              )}
            </span>
          </label>
        ))}
      </div>
      {hasErrors && (
        <p className="field-error" id={`${id}-error`}>
          {errors.join(" ")}
        </p>
      )}
    </fieldset>
  );
}
