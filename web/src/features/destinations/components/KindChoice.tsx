import { useId } from "react";
import { DESTINATION_KIND_LABELS, DESTINATION_KINDS, type DestinationKind } from "../../../lib/destinations";
import type { DestinationKindInfo } from "../api/list-kinds";
import "./destinations.css";

export interface KindChoiceProps {
  name: string;
  value: DestinationKind;
  onChange: (kind: DestinationKind) => void;
  /** What the server can deliver to; undefined while loading or when it could not be asked (all are offered). */
  kinds: readonly DestinationKindInfo[] | undefined;
  /** The edited destination's kind: offered even when the server cannot deliver there now, so it can be changed. */
  savedKind?: DestinationKind | undefined;
  errors?: string[] | undefined;
}

/** The first kind this server can deliver to, for a new destination (e-mail when it is set up). */
export function firstAvailableKind(kinds: readonly DestinationKindInfo[] | undefined): DestinationKind {
  const available = DESTINATION_KINDS.find((kind) => kinds?.find((info) => info.kind === kind)?.available ?? true);
  return available ?? "email";
}

/**
 * The destination kinds as radio cards. A kind the server cannot deliver to is shown disabled with the reason, so
 * nobody fills in a form the server then refuses; a kind's note (such as "public hosts only") is shown under it.
 */
export function KindChoice({ name, value, onChange, kinds, savedKind, errors }: KindChoiceProps) {
  const id = useId();
  const hasErrors = errors !== undefined && errors.length > 0;
  return (
    <fieldset className="fieldset" aria-describedby={hasErrors ? `${id}-error` : undefined}>
      <legend className="field-label">Kind</legend>
      <div className="radio-cards compact kind-choice">
        {DESTINATION_KINDS.map((kind) => {
          const info = kinds?.find((k) => k.kind === kind);
          const unavailable = info !== undefined && !info.available;
          const disabled = unavailable && kind !== savedKind;
          const hintId = `${id}-${kind}-hint`;
          const titleId = `${id}-${kind}-title`;
          const hint = unavailable ? info.reason : info?.note;
          return (
            <label key={kind} className={["radio-card", disabled ? "radio-card-disabled" : ""].filter(Boolean).join(" ")}>
              <input
                type="radio"
                name={name}
                value={kind}
                checked={value === kind}
                disabled={disabled}
                aria-labelledby={titleId}
                aria-describedby={hint ? hintId : undefined}
                onChange={() => onChange(kind)}
              />
              <span className="radio-card-body">
                <span className="radio-card-title" id={titleId}>
                  {DESTINATION_KIND_LABELS[kind]}
                  {unavailable && <span className="kind-unavailable">Not available</span>}
                </span>
                {hint && (
                  <span className={unavailable ? "radio-card-hint kind-reason" : "radio-card-hint"} id={hintId}>
                    {hint}
                  </span>
                )}
              </span>
            </label>
          );
        })}
      </div>
      {hasErrors && (
        <p className="field-error" id={`${id}-error`}>
          {errors.join(" ")}
        </p>
      )}
    </fieldset>
  );
}
