import type { ReactNode } from "react";
import { errorMessage } from "../lib/api-client";
import type { Destination } from "../lib/destinations";
import { CheckboxGroup } from "./ui/CheckboxGroup";

export interface DestinationPickerProps {
  /** Undefined while loading. */
  destinations: readonly Destination[] | undefined;
  /** Why the destinations could not be read. */
  loadError?: unknown;
  /** The chosen destinations' ids. */
  value: readonly string[];
  onChange: (value: string[]) => void;
  hint?: ReactNode;
  /** The server's messages about the choice. */
  errors?: string[] | undefined;
  /** The Destinations page, offered when there are none yet. */
  destinationsHref?: string | undefined;
  disabled?: boolean;
}

const LEGEND = "Deliver to";

/** "Deliver to": a checkbox per destination, named by the destination's name. */
export function DestinationPicker({
  destinations,
  loadError,
  value,
  onChange,
  hint,
  errors,
  destinationsHref,
  disabled,
}: DestinationPickerProps) {
  const options = (destinations ?? []).map((destination) => ({ value: destination.id, label: destination.name }));
  // A chosen destination that has since been deleted stays listed, so it can be unticked.
  for (const id of value) {
    if (destinations && !destinations.some((destination) => destination.id === id)) {
      options.push({ value: id, label: "A destination that no longer exists" });
    }
  }

  if (options.length === 0) {
    return (
      <fieldset className="fieldset">
        <legend className="field-label">{LEGEND}</legend>
        {destinations === undefined && loadError == null ? (
          <p role="status" className="field-hint">
            Loading destinations…
          </p>
        ) : destinations === undefined ? (
          <p role="alert" className="inline-error">
            The destinations could not be loaded: {errorMessage(loadError)}
          </p>
        ) : (
          <p className="field-hint">
            No destinations yet
            {destinationsHref ? (
              <>
                : add one on the <a href={destinationsHref}>Destinations page</a>.
              </>
            ) : (
              "."
            )}
          </p>
        )}
      </fieldset>
    );
  }

  return (
    <CheckboxGroup
      legend={LEGEND}
      options={options}
      value={value}
      onChange={onChange}
      hint={hint}
      errors={errors}
      columns={2}
      disabled={disabled}
    />
  );
}
