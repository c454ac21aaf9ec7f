import type { ReactNode } from "react";
import type { ApiError } from "../../lib/api-client";

export function Alert({ title, children }: { title: ReactNode; children?: ReactNode }) {
  return (
    <div role="alert" className="alert alert-error">
      <p className="alert-title">{title}</p>
      {children}
    </div>
  );
}

/** Shows a Problem Details error: its title, detail and every field error. */
export function ProblemAlert({
  error,
  fieldLabel = (field) => field,
  children,
}: {
  error: ApiError;
  fieldLabel?: (field: string) => string;
  children?: ReactNode;
}) {
  const fields = Object.entries(error.errors);
  return (
    <Alert title={error.title}>
      {error.detail && <p className="alert-detail">{error.detail}</p>}
      {fields.length > 0 && (
        <ul className="alert-fields">
          {fields.map(([field, messages]) => (
            <li key={field}>
              <strong>{fieldLabel(field)}</strong>: {messages.join(" ")}
            </li>
          ))}
        </ul>
      )}
      {children}
    </Alert>
  );
}
