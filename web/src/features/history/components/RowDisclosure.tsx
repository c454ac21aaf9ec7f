import { useId, type ReactNode } from "react";
import type { UseQueryResult } from "@tanstack/react-query";
import { Button } from "../../../components/ui/Button";
import { errorMessage } from "../../../lib/api-client";

export interface RowDisclosureProps<T> {
  /** The button's text, and what is loading ("Loading deliveries…"). */
  label: string;
  /** Id of the element naming the export, which describes the button. */
  nameId: string;
  open: boolean;
  onToggle: () => void;
  /** The list the disclosure shows, fetched only while open (the caller's query is enabled by `open`). */
  query: UseQueryResult<T[]>;
  /** What an empty list says. */
  empty: ReactNode;
  children: (items: T[]) => ReactNode;
}

/** A History row's disclosure (Deliveries, Timeline): a toggle button and, when open, its list with loading, error and
 * empty states. */
export function RowDisclosure<T>({ label, nameId, open, onToggle, query, empty, children }: RowDisclosureProps<T>) {
  const listId = useId();
  return (
    <div className="export-deliveries">
      <Button
        size="sm"
        variant="ghost"
        aria-expanded={open}
        aria-controls={open ? listId : undefined}
        aria-describedby={nameId}
        onClick={onToggle}
      >
        {label}
      </Button>
      {open && (
        <div id={listId}>
          {query.isPending ? (
            <p role="status" className="field-hint">
              Loading {label.toLowerCase()}…
            </p>
          ) : query.data === undefined ? (
            <p role="alert" className="inline-error">
              {errorMessage(query.error)}
            </p>
          ) : query.data.length === 0 ? (
            <p className="field-hint">{empty}</p>
          ) : (
            children(query.data)
          )}
        </div>
      )}
    </div>
  );
}
