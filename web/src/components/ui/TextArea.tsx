import type { ReactNode, TextareaHTMLAttributes } from "react";
import { Field } from "./Field";

export interface TextAreaProps
  extends Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, "onChange" | "value" | "id"> {
  label: ReactNode;
  value: string;
  onChange: (value: string) => void;
  hint?: ReactNode;
  errors?: string[] | undefined;
}

export function TextArea({ label, value, onChange, hint, errors, className, ...rest }: TextAreaProps) {
  return (
    <Field label={label} hint={hint} errors={errors} className={className}>
      {(control) => (
        <textarea {...rest} {...control} className="input" value={value} onChange={(e) => onChange(e.target.value)} />
      )}
    </Field>
  );
}
