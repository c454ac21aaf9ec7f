import { useId, type ReactNode } from "react";

export interface RadioCardOption<T extends string> {
  value: T;
  label: ReactNode;
  hint?: ReactNode;
  badge?: ReactNode;
}

export interface RadioCardsProps<T extends string> {
  legend: ReactNode;
  name: string;
  value: T;
  options: readonly RadioCardOption<T>[];
  onChange: (value: T) => void;
  compact?: boolean;
  /** Messages shown under the cards and announced with the group. */
  errors?: string[] | undefined;
}

/** Native radio buttons drawn as cards: arrow keys move between them, the label is the card. */
export function RadioCards<T extends string>({ legend, name, value, options, onChange, compact, errors }: RadioCardsProps<T>) {
  const id = useId();
  const hasErrors = errors !== undefined && errors.length > 0;
  return (
    <fieldset className="fieldset" aria-describedby={hasErrors ? `${id}-error` : undefined}>
      <legend className="field-label">{legend}</legend>
      <div className={compact ? "radio-cards compact" : "radio-cards"}>
        {options.map((option) => (
          <label key={option.value} className="radio-card">
            <input
              type="radio"
              name={name}
              value={option.value}
              checked={value === option.value}
              onChange={() => onChange(option.value)}
            />
            <span className="radio-card-body">
              <span className="radio-card-title">
                {option.label}
                {option.badge && (
                  <>
                    {" "}
                    <span className="badge">{option.badge}</span>
                  </>
                )}
              </span>
              {option.hint && (
                <>
                  {" "}
                  <span className="radio-card-hint">{option.hint}</span>
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
