import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { DestinationPicker } from "../../../components/DestinationPicker";
import { TimeZonePicker } from "../../../components/TimeZonePicker";
import { FormProblem } from "../../../components/ui/Alert";
import { Button } from "../../../components/ui/Button";
import { Checkbox } from "../../../components/ui/Checkbox";
import { CheckboxGroup } from "../../../components/ui/CheckboxGroup";
import { RadioCards } from "../../../components/ui/RadioCards";
import { Select } from "../../../components/ui/Select";
import { TextInput } from "../../../components/ui/TextInput";
import { errorsFor, isApiError } from "../../../lib/api-client";
import { browserTimeZone } from "../../../lib/export-request";
import type { Template } from "../../../lib/templates";
import { useCreateSchedule } from "../api/create-schedule";
import { useDestinationChoices } from "../api/list-destinations";
import { WEEKDAYS, type Schedule } from "../api/schedule";
import { useUpdateSchedule } from "../api/update-schedule";
import { previewBodyOf } from "../api/preview-schedule";
import { WEEKDAY_NAMES } from "../utils/labels";
import { draftFromSchedule, newDraft, toScheduleBody, type FrequencyChoice, type ScheduleDraft } from "../utils/schedule-draft";
import { NextRunsPreview } from "./NextRunsPreview";

const FREQUENCY_OPTIONS = [
  { value: "hourly", label: "Hourly" },
  { value: "daily", label: "Daily" },
  { value: "weekly", label: "Weekly" },
  { value: "monthly", label: "Monthly" },
  { value: "cron", label: "Custom cron" },
] as const satisfies readonly { value: FrequencyChoice; label: string }[];

const DAY_OPTIONS = WEEKDAYS.map((day) => ({ value: day, label: WEEKDAY_NAMES[day] }));

const DAY_OF_MONTH_OPTIONS = [
  ...Array.from({ length: 31 }, (_, index) => ({ value: String(index + 1), label: String(index + 1) })),
  { value: "last", label: "Last day" },
];

const BACKOFF_OPTIONS = [
  { value: "", label: "Server default" },
  { value: "exponential", label: "Exponential" },
  { value: "linear", label: "Linear" },
] as const satisfies readonly { value: ScheduleDraft["backoff"]; label: string }[];

/** "destinations" and "destinations[2]": shown at "Deliver to". */
const DESTINATION_FIELD = /^destinations(\[\d+\])?$/i;

/** Fields the form shows an error beside; the server's other field errors are listed at the top. */
const PLACED_FIELDS = new Set([
  "templateid",
  "name",
  "cron",
  "frequency",
  "frequency.every",
  "frequency.minute",
  "frequency.time",
  "frequency.days",
  "frequency.dayofmonth",
  "timezone",
  "window",
  "retry.attempts",
  "retry.backoff",
  "retry.maxdelayms",
]);

export interface ScheduleFormProps {
  /** The schedule to change; a new one without. */
  schedule?: Schedule | undefined;
  /** A new schedule's template, chosen beforehand ("Schedule this export…"). */
  initialTemplateId?: string | undefined;
  /** Undefined while loading. */
  templates: Template[] | undefined;
  /** The Templates page, offered when there is nothing to schedule yet. */
  templatesHref?: string | undefined;
  /** The Destinations page, offered when there is nowhere to deliver yet. */
  destinationsHref?: string | undefined;
  onSaved: (schedule: Schedule) => void;
  onCancel: () => void;
}

/**
 * A schedule's template, frequency (or cron), time zone, window, destinations, state and retry policy. The server
 * checks it and its field errors show beside the fields.
 */
export function ScheduleForm({
  schedule,
  initialTemplateId,
  templates,
  templatesHref,
  destinationsHref,
  onSaved,
  onCancel,
}: ScheduleFormProps) {
  const titleId = useId();
  const windowId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const [draft, setDraft] = useState<ScheduleDraft>(() =>
    schedule ? draftFromSchedule(schedule) : newDraft(initialTemplateId ?? "", browserTimeZone()),
  );
  const destinations = useDestinationChoices();
  const create = useCreateSchedule();
  const update = useUpdateSchedule();
  const saving = schedule ? update : create;
  const error = saving.error;
  const set = <K extends keyof ScheduleDraft>(key: K, value: ScheduleDraft[K]) => setDraft((current) => ({ ...current, [key]: value }));
  const fieldErrors = (...fields: string[]) => {
    const messages = fields.flatMap((field) => errorsFor(error, field) ?? []);
    return messages.length > 0 ? messages : undefined;
  };
  const placed = (field: string) => PLACED_FIELDS.has(field.toLowerCase()) || DESTINATION_FIELD.test(field);
  const destinationErrors = isApiError(error)
    ? Object.entries(error.errors).flatMap(([field, messages]) => (DESTINATION_FIELD.test(field) ? messages : []))
    : [];
  const windowErrors = fieldErrors("window");
  // Opened from a row further down (Edit) or from another page: bring the form into view and announce it.
  useEffect(() => headingRef.current?.focus(), []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body = toScheduleBody(draft);
    if (schedule) update.mutate({ id: schedule.id, body }, { onSuccess: onSaved });
    else create.mutate(body, { onSuccess: onSaved });
  };

  const templateOptions = [
    { value: "", label: templates ? "Choose a template" : "Loading templates…" },
    ...(templates ?? []).map((template) => ({ value: template.id, label: template.name })),
  ];
  if (draft.templateId && !templates?.some((template) => template.id === draft.templateId)) {
    templateOptions.push({ value: draft.templateId, label: templates ? "A template that no longer exists" : "Loading templates…" });
  }
  const timed = draft.every === "daily" || draft.every === "weekly" || draft.every === "monthly";

  return (
    <form className="stack schedule-form" aria-labelledby={titleId} noValidate onSubmit={submit}>
      <h2 ref={headingRef} id={titleId} tabIndex={-1} className="section-title">
        {schedule ? "Edit schedule" : "New schedule"}
      </h2>
      {error && (
        <FormProblem error={error} fallbackTitle="The schedule could not be saved" placed={placed} />
      )}

      <div className="options-grid">
        <Select
          label="Template"
          value={draft.templateId}
          options={templateOptions}
          onChange={(value) => set("templateId", value)}
          errors={fieldErrors("templateId")}
          hint={
            templates?.length === 0 ? (
              <>
                Nothing to schedule yet: save an export as a template first
                {templatesHref ? (
                  <>
                    {" "}
                    (<a href={templatesHref}>Templates</a>).
                  </>
                ) : (
                  "."
                )}
              </>
            ) : undefined
          }
        />
        <TextInput
          label="Name"
          value={draft.name}
          onChange={(value) => set("name", value)}
          hint="Optional: the template's name by default."
          errors={fieldErrors("name")}
          autoComplete="off"
        />
      </div>

      <RadioCards<FrequencyChoice>
        legend="Frequency"
        name={`${titleId}-frequency`}
        value={draft.every}
        options={FREQUENCY_OPTIONS}
        onChange={(value) => set("every", value)}
        errors={fieldErrors("frequency", "frequency.every")}
        compact
      />
      <div className="options-grid">
        {draft.every === "hourly" && (
          <TextInput
            type="number"
            inputMode="numeric"
            min={0}
            max={59}
            label="Minute past the hour"
            value={draft.minute}
            onChange={(value) => set("minute", value)}
            errors={fieldErrors("frequency.minute")}
          />
        )}
        {timed && (
          <TextInput
            type="time"
            label="Time"
            value={draft.time}
            onChange={(value) => set("time", value)}
            hint="In the schedule's time zone."
            errors={fieldErrors("frequency.time")}
          />
        )}
        {draft.every === "monthly" && (
          <Select
            label="Day of month"
            value={draft.dayOfMonth}
            options={DAY_OF_MONTH_OPTIONS}
            onChange={(value) => set("dayOfMonth", value)}
            hint="A month without that day runs on its last day only with “Last day”."
            errors={fieldErrors("frequency.dayOfMonth")}
          />
        )}
        {draft.every === "cron" && (
          <TextInput
            className="span-2"
            label="Cron expression"
            value={draft.cron}
            onChange={(value) => set("cron", value)}
            placeholder="30 9 * * 1-5"
            spellCheck={false}
            autoComplete="off"
            hint="Five fields: minute, hour, day of month, month, day of week. Quartz's six or seven fields (with seconds and a year) work too."
            errors={fieldErrors("cron")}
          />
        )}
      </div>
      {draft.every === "weekly" && (
        <CheckboxGroup
          legend="Days"
          options={DAY_OPTIONS}
          value={draft.days}
          onChange={(value) => set("days", value as ScheduleDraft["days"])}
          errors={fieldErrors("frequency.days")}
          columns={3}
        />
      )}

      <div className="options-grid">
        <TimeZonePicker
          label="Time zone"
          value={draft.timezone}
          onChange={(value) => set("timezone", value)}
          hint="Type to search, such as Berlin or +05:30. Runs keep their local time when the clocks change."
          errors={fieldErrors("timezone")}
        />
        <fieldset className="fieldset" aria-describedby={`${windowId}-hint${windowErrors ? ` ${windowId}-error` : ""}`}>
          <legend className="field-label">Window</legend>
          <p className="field-hint" id={`${windowId}-hint`}>
            Optional. A run due outside it waits until it opens.
          </p>
          <div className="window-inputs">
            <TextInput type="time" label="From" value={draft.windowFrom} onChange={(value) => set("windowFrom", value)} />
            <TextInput type="time" label="To" value={draft.windowTo} onChange={(value) => set("windowTo", value)} />
          </div>
          {windowErrors && (
            <p className="field-error" id={`${windowId}-error`}>
              {windowErrors.join(" ")}
            </p>
          )}
        </fieldset>
      </div>

      <NextRunsPreview body={previewBodyOf(toScheduleBody(draft))} />

      <DestinationPicker
        destinations={destinations.data}
        loadError={destinations.error}
        value={draft.destinations}
        onChange={(value) => set("destinations", value)}
        hint="Each run's file is sent to these once its export completes."
        errors={destinationErrors.length > 0 ? destinationErrors : undefined}
        destinationsHref={destinationsHref}
      />

      <Checkbox
        label="Active"
        checked={draft.active}
        onChange={(value) => set("active", value)}
        hint="A paused schedule keeps its settings and runs again once resumed."
      />

      <fieldset className="fieldset">
        <legend className="field-label">Retry</legend>
        <p className="field-hint">When an export fails for a passing reason. Empty fields keep the server's defaults.</p>
        <div className="options-grid retry-grid">
          <TextInput
            type="number"
            inputMode="numeric"
            min={1}
            max={10}
            label="Attempts"
            placeholder="3"
            value={draft.attempts}
            onChange={(value) => set("attempts", value)}
            errors={fieldErrors("retry.attempts")}
          />
          <Select<ScheduleDraft["backoff"]>
            label="Backoff"
            value={draft.backoff}
            options={BACKOFF_OPTIONS}
            onChange={(value) => set("backoff", value)}
            errors={fieldErrors("retry.backoff")}
          />
          <TextInput
            type="number"
            inputMode="numeric"
            min={1}
            label="Max delay (seconds)"
            placeholder="30"
            value={draft.maxDelaySeconds}
            onChange={(value) => set("maxDelaySeconds", value)}
            errors={fieldErrors("retry.maxDelayMs")}
          />
        </div>
      </fieldset>

      <div className="form-actions">
        <Button variant="ghost" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" disabled={saving.isPending} aria-busy={saving.isPending}>
          {saving.isPending ? "Saving…" : schedule ? "Save schedule" : "Create schedule"}
        </Button>
      </div>
    </form>
  );
}
