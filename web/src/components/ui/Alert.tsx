import type { ReactNode, Ref } from "react";
import { isApiError, type ApiError } from "../../lib/api-client";

/** An error message, announced when it appears; focusable by script (tabindex=-1) so focus can be moved to it. */
export function Alert({ title, children, ref }: { title: ReactNode; children?: ReactNode; ref?: Ref<HTMLDivElement> }) {
  return (
    <div ref={ref} role="alert" tabIndex={-1} className="alert alert-error">
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

/** "timeframe.last" -> "Timeframe › last", "Email" -> "Email": a JSON path as words, never a raw key. */
export function humanizeField(field: string): string {
  const parts = field
    .replace(/\[(\d+)\]/g, ".$1")
    .split(".")
    .filter(Boolean)
    .map((part) => (/^\d+$/.test(part) ? `#${Number(part) + 1}` : part.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase()));
  if (parts.length === 0) return field;
  const [first = "", ...rest] = parts;
  return [first.charAt(0).toUpperCase() + first.slice(1), ...rest].join(" › ");
}

/** A form's failure: the server's Problem Details (title, detail) or the error's message under `fallbackTitle`, and the
 * field errors that no input of the form shows beside itself (`placed(field)` is true for those that one does). */
export function FormProblem({ error, fallbackTitle, placed }: { error: Error; fallbackTitle: string; placed: (field: string) => boolean }) {
  const detail = isApiError(error) ? error.detail : error.message;
  const others = isApiError(error) ? Object.entries(error.errors).filter(([field]) => !placed(field)) : [];
  return (
    <Alert title={isApiError(error) ? error.title : fallbackTitle}>
      {detail && <p className="alert-detail">{detail}</p>}
      {others.length > 0 && (
        <ul className="alert-fields">
          {others.map(([field, messages]) => (
            <li key={field}>
              <strong>{field}</strong>: {messages.join(" ")}
            </li>
          ))}
        </ul>
      )}
    </Alert>
  );
}
