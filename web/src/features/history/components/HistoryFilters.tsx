import { Select } from "../../../components/ui/Select";
import { TextInput } from "../../../components/ui/TextInput";
import { JOB_STATUSES, type JobStatus } from "../../../lib/export-jobs";
import { FORMAT_LABELS, KIND_LABELS, STATUS_LABELS } from "../../../lib/export-labels";
import type { HistoryFilters as Filters, HistorySort } from "../api/list-exports";

const STATUS_OPTIONS = [
  { value: "", label: "All statuses" },
  ...JOB_STATUSES.map((status) => ({ value: status, label: STATUS_LABELS[status] })),
] as const satisfies readonly { value: JobStatus | ""; label: string }[];

const KIND_OPTIONS = [
  { value: "", label: "All kinds" },
  { value: "series", label: KIND_LABELS.series },
  { value: "layout", label: KIND_LABELS.layout },
] as const satisfies readonly { value: Filters["kind"]; label: string }[];

const FORMAT_OPTIONS = [
  { value: "", label: "All formats" },
  ...Object.entries(FORMAT_LABELS).map(([value, label]) => ({ value, label })),
];

const SORT_OPTIONS = [
  { value: "-createdAt", label: "Newest first" },
  { value: "createdAt", label: "Oldest first" },
  { value: "size", label: "Largest first" },
] as const satisfies readonly { value: HistorySort; label: string }[];

export interface HistoryFiltersProps {
  value: Filters;
  onChange: (value: Filters) => void;
}

/** Status, kind, format, source and order of the listed exports. */
export function HistoryFilters({ value, onChange }: HistoryFiltersProps) {
  const set = <K extends keyof Filters>(key: K, next: Filters[K]) => onChange({ ...value, [key]: next });
  return (
    <div className="options-bar history-filters" role="group" aria-label="Filters">
      <Select<JobStatus | ""> label="Status" value={value.status} options={STATUS_OPTIONS} onChange={(next) => set("status", next)} />
      <Select<Filters["kind"]> label="Kind" value={value.kind} options={KIND_OPTIONS} onChange={(next) => set("kind", next)} />
      <Select label="Format" value={value.format} options={FORMAT_OPTIONS} onChange={(next) => set("format", next)} />
      <TextInput
        label="Source"
        value={value.source}
        placeholder="e.g. servers"
        autoComplete="off"
        onChange={(next) => set("source", next)}
      />
      <Select<HistorySort> label="Sort by" value={value.sort} options={SORT_OPTIONS} onChange={(next) => set("sort", next)} />
    </div>
  );
}
