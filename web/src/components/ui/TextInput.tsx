import type { InputHTMLAttributes, ReactNode, Ref } from "react";
import { Field } from "./Field";

export interface TextInputProps
  extends Omit<InputHTMLAttributes<HTMLInputElement>, "onChange" | "value" | "id"> {
  label: ReactNode;
  value: string;
  onChange: (value: string) => void;
  hint?: ReactNode;
  errors?: string[] | undefined;
  ref?: Ref<HTMLInputElement>;
}

export function TextInput({ label, value, onChange, hint, errors, className, ref, ...rest }: TextInputProps) {
  return (
    <Field label={label} hint={hint} errors={errors} className={className}>
      {(control) => (
        <input
          type="text"
          {...rest}
          {...control}
          ref={ref}
          className="input"
          value={value}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
    </Field>
  );
}
