import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from "react";
import "./TimeZonePicker.css";

export interface TimeZonePickerProps {
  /** The input's id, for a label elsewhere; one is made up when absent. */
  id?: string;
  /** An IANA time zone name such as "Europe/Berlin" (or "UTC"). */
  value: string;
  /** Called only with an IANA name from the list: the API refuses anything else. */
  onChange: (zone: string) => void;
  label?: string;
  hint?: string;
  /** Messages from the server for this field, shown under it. */
  errors?: string[] | undefined;
}

export interface ZoneOption {
  zone: string;
  /** "UTC+05:30", "UTC-03:00" or "UTC": the zone's offset now. */
  offset: string;
}

let cachedZones: readonly string[] | undefined;

/**
 * Current IANA names that some engines list only under their old name (Chrome and Node list Asia/Calcutta,
 * Europe/Kiev, Asia/Saigon): both are IANA names the server accepts, and people search for the new one.
 */
const CURRENT_NAMES = [
  "Asia/Kolkata",
  "Europe/Kyiv",
  "Asia/Ho_Chi_Minh",
  "Asia/Kathmandu",
  "Asia/Yangon",
  "America/Nuuk",
  "Atlantic/Faroe",
  "Pacific/Chuuk",
  "Pacific/Pohnpei",
  "Africa/Asmara",
  "America/Argentina/Buenos_Aires",
];

/** Every IANA name this browser knows, plus "UTC" (which Intl lists as an alias only), UTC first, then by name. */
export function ianaTimeZones(): readonly string[] {
  if (cachedZones) return cachedZones;
  const known = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  const current = CURRENT_NAMES.filter((zone) => zoneOffset(zone) !== "");
  const rest = [...new Set([...known, ...current])].filter((zone) => zone !== "UTC").sort((a, b) => a.localeCompare(b));
  cachedZones = ["UTC", ...rest];
  return cachedZones;
}

/** The zone's UTC offset at `at`, as "UTC+05:30" or "UTC+00:00", or "" for a name Intl does not know. */
export function zoneOffset(zone: string, at: Date = new Date()): string {
  try {
    const part = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })
      .formatToParts(at)
      .find((p) => p.type === "timeZoneName")?.value;
    if (!part) return "";
    return part === "GMT" ? "UTC+00:00" : part.replace("GMT", "UTC");
  } catch {
    return "";
  }
}

function searchKey(text: string): string {
  return text.toLowerCase().replace(/[_\s]+/g, " ").trim();
}

/** Options matching typed text: by name (spaces match underscores), or by offset ("+05:30", "utc-3"). */
export function filterZones(options: readonly ZoneOption[], text: string): ZoneOption[] {
  const query = searchKey(text);
  if (!query) return [...options];
  return options.filter(
    (option) => searchKey(option.zone).includes(query) || option.offset.toLowerCase().includes(query),
  );
}

/**
 * A searchable IANA time-zone picker (the ARIA 1.2 combobox pattern with a list box): type to filter by name
 * or offset, arrows to move, Enter to choose, Escape to close. Each zone shows its offset now. Only a zone
 * from the list is passed to onChange; text that names none is reported under the box and, on leaving it,
 * replaced by the last zone chosen, so what is shown is always what would be saved.
 */
export function TimeZonePicker({ id, value, onChange, label = "Time zone", hint, errors }: TimeZonePickerProps) {
  const madeId = useId();
  const inputId = id ?? `${madeId}-input`;
  const listId = `${inputId}-list`;
  const hintId = `${inputId}-hint`;
  const errorId = `${inputId}-error`;
  const offsetId = `${inputId}-offset`;
  const inputRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLUListElement>(null);

  const [text, setText] = useState(value);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [typedInvalid, setTypedInvalid] = useState(false);

  // A new value from outside (a reset, another schedule loaded) replaces the text.
  useEffect(() => {
    setText(value);
    setTypedInvalid(false);
  }, [value]);

  const options = useMemo<ZoneOption[]>(() => {
    const now = new Date();
    const zones = ianaTimeZones();
    // A saved alias Intl lists under another name ("Asia/Calcutta") stays choosable.
    const all = value && !zones.includes(value) && zoneOffset(value) ? [value, ...zones] : zones;
    return all.map((zone) => ({ zone, offset: zoneOffset(zone, now) }));
  }, [value]);
  const byLowerName = useMemo(() => new Map(options.map((o) => [o.zone.toLowerCase(), o.zone])), [options]);

  const shown = useMemo(() => (text === value ? options : filterZones(options, text)), [options, text, value]);

  useEffect(() => {
    if (!open || active < 0) return;
    const item = listRef.current?.querySelector<HTMLElement>(`[data-index="${active}"]`);
    item?.scrollIntoView?.({ block: "nearest" });
  }, [active, open]);

  function choose(zone: string) {
    setText(zone);
    setTypedInvalid(false);
    setOpen(false);
    setActive(-1);
    if (zone !== value) onChange(zone);
  }

  function type(next: string) {
    setText(next);
    setOpen(true);
    setActive(-1);
    const exact = byLowerName.get(next.trim().toLowerCase());
    setTypedInvalid(false);
    if (exact !== undefined && exact !== value) onChange(exact);
  }

  function leave() {
    setOpen(false);
    setActive(-1);
    const exact = byLowerName.get(text.trim().toLowerCase());
    if (exact !== undefined) {
      setText(exact);
      setTypedInvalid(false);
      if (exact !== value) onChange(exact);
    } else if (text !== value) {
      setTypedInvalid(text.trim() !== "");
      setText(value);
    }
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        if (!open) setOpen(true);
        setActive((i) => Math.min(i + 1, shown.length - 1));
        break;
      case "ArrowUp":
        event.preventDefault();
        if (!open) setOpen(true);
        setActive((i) => (i <= 0 ? shown.length - 1 : i - 1));
        break;
      case "Enter": {
        if (!open) return;
        const pick = active >= 0 ? shown[active] : shown.length === 1 ? shown[0] : undefined;
        if (pick) {
          event.preventDefault();
          choose(pick.zone);
        }
        break;
      }
      case "Escape":
        if (open) {
          event.preventDefault();
          setOpen(false);
          setActive(-1);
        } else if (text !== value) {
          event.preventDefault();
          setText(value);
          setTypedInvalid(false);
        }
        break;
    }
  }

  const invalidNow = text.trim() !== "" && text !== value && byLowerName.get(text.trim().toLowerCase()) === undefined && shown.length === 0;
  const problem = invalidNow
    ? `No time zone matches “${text.trim()}”. Choose one from the list, such as Europe/Berlin.`
    : typedInvalid
      ? `That is not a time zone name, so ${value || "the previous zone"} is kept.`
      : undefined;
  const allErrors = [...(problem ? [problem] : []), ...(errors ?? [])];
  const activeOption = open && active >= 0 ? shown[active] : undefined;
  const currentOffset = zoneOffset(value);
  const showOffset = currentOffset !== "" && text === value;
  const describedBy = [showOffset ? offsetId : "", hint ? hintId : "", allErrors.length ? errorId : ""]
    .filter(Boolean)
    .join(" ");

  return (
    <div className="field tzp">
      <label className="field-label" htmlFor={inputId}>
        {label}
      </label>
      <div className="tzp-box">
        <input
          ref={inputRef}
          id={inputId}
          className="input tzp-input"
          type="text"
          role="combobox"
          aria-expanded={open}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={activeOption ? `${listId}-${active}` : undefined}
          aria-describedby={describedBy || undefined}
          aria-invalid={allErrors.length > 0 ? true : undefined}
          autoComplete="off"
          spellCheck={false}
          value={text}
          onChange={(event) => type(event.target.value)}
          onFocus={(event) => event.target.select()}
          onClick={() => setOpen(true)}
          onKeyDown={onKeyDown}
          onBlur={leave}
        />
        {showOffset && (
          <span className="tzp-offset-now" id={offsetId}>
            {currentOffset}
          </span>
        )}
        <ul ref={listRef} id={listId} role="listbox" aria-label={`${label} choices`} className="tzp-list" hidden={!open}>
          {open && shown.length === 0 && (
              <li className="tzp-empty" role="presentation">
                No time zone matches.
              </li>
            )}
          {open &&
            shown.map((option, index) => (
              <li
                key={option.zone}
                id={`${listId}-${index}`}
                data-index={index}
                role="option"
                aria-selected={option.zone === value}
                className={["tzp-option", index === active ? "tzp-option-active" : ""].filter(Boolean).join(" ")}
                // Keeps focus in the input so blur does not close the list before the click lands.
                onMouseDown={(event) => event.preventDefault()}
                onClick={() => choose(option.zone)}
              >
                <span className="tzp-zone">{option.zone}</span>
                <span className="tzp-offset">{option.offset}</span>
              </li>
            ))}
        </ul>
      </div>
      {hint && (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      )}
      {allErrors.length > 0 && (
        <p className="field-error" id={errorId} role="status">
          {allErrors.join(" ")}
        </p>
      )}
    </div>
  );
}
