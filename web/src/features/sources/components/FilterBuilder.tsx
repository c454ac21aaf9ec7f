import { useId } from "react";
import { Button } from "../../../components/ui/Button";
import { filterOpLabel, type FilterOp } from "../../../lib/export-request";
import { opsFor, type FilterField, type FilterRow } from "../utils/filters";

export interface FilterBuilderProps {
  fields: readonly FilterField[];
  rows: readonly FilterRow[];
  onChange: (rows: FilterRow[]) => void;
}

/** Rows of field / operator / value, all of which must match. */
export function FilterBuilder({ fields, rows, onChange }: FilterBuilderProps) {
  const update = (id: number, patch: Partial<FilterRow>) =>
    onChange(rows.map((row) => (row.id === id ? { ...row, ...patch } : row)));

  const add = () => {
    const first = fields[0];
    if (!first) return;
    const id = rows.reduce((max, row) => Math.max(max, row.id), 0) + 1;
    onChange([...rows, { id, field: first.name, op: "eq", value: "", value2: "" }]);
  };

  return (
    <fieldset className="fieldset">
      <legend className="field-label">Filters</legend>
      <p className="field-hint">Rows that match every condition.</p>
      {rows.length > 0 && (
        <ul className="filter-rows">
          {rows.map((row, index) => (
            <FilterRowEditor
              key={row.id}
              index={index}
              row={row}
              fields={fields}
              onChange={(patch) => update(row.id, patch)}
              onRemove={() => onChange(rows.filter((other) => other.id !== row.id))}
            />
          ))}
        </ul>
      )}
      <Button size="sm" variant="ghost" onClick={add} disabled={fields.length === 0}>
        + Add condition
      </Button>
    </fieldset>
  );
}

interface FilterRowEditorProps {
  index: number;
  row: FilterRow;
  fields: readonly FilterField[];
  onChange: (patch: Partial<FilterRow>) => void;
  onRemove: () => void;
}

function FilterRowEditor({ index, row, fields, onChange, onRemove }: FilterRowEditorProps) {
  const id = useId();
  const field = fields.find((candidate) => candidate.name === row.field) ?? fields[0];
  const ops = opsFor(field?.type ?? "string");
  const number = field?.type === "number";
  // A list of values; on an array field eq / neq take the whole array as a list of its elements.
  const list = row.op === "in" || row.op === "nin" || (field?.type === "array" && (row.op === "eq" || row.op === "neq"));
  const label = `Condition ${index + 1}`;

  const changeField = (name: string) => {
    const next = fields.find((candidate) => candidate.name === name);
    const op = next && opsFor(next.type).includes(row.op) ? row.op : "eq";
    onChange({ field: name, op });
  };

  return (
    <li className="filter-row" role="group" aria-label={label}>
      <label className="sr-only" htmlFor={`${id}-field`}>
        {label} field
      </label>
      <select id={`${id}-field`} className="input" value={row.field} onChange={(e) => changeField(e.target.value)}>
        {fields.map((candidate) => (
          <option key={candidate.name} value={candidate.name}>
            {candidate.name}
          </option>
        ))}
      </select>
      <label className="sr-only" htmlFor={`${id}-op`}>
        {label} operator
      </label>
      <select
        id={`${id}-op`}
        className="input"
        value={row.op}
        onChange={(e) => onChange({ op: e.target.value as FilterOp })}
      >
        {ops.map((op) => (
          <option key={op} value={op}>
            {filterOpLabel(op)}
          </option>
        ))}
      </select>
      {row.op !== "exists" && (
        <>
          <label className="sr-only" htmlFor={`${id}-value`}>
            {row.op === "between" ? `${label} lower bound` : `${label} value`}
          </label>
          <input
            id={`${id}-value`}
            className="input"
            inputMode={number && !list ? "decimal" : undefined}
            placeholder={list ? "a, b, c" : row.op === "between" ? "from" : "value"}
            list={field && field.values.length > 0 && !list ? `${id}-values` : undefined}
            value={row.value}
            onChange={(e) => onChange({ value: e.target.value })}
          />
        </>
      )}
      {row.op === "between" && (
        <>
          <label className="sr-only" htmlFor={`${id}-value2`}>
            {label} upper bound
          </label>
          <input
            id={`${id}-value2`}
            className="input"
            inputMode={number ? "decimal" : undefined}
            placeholder="to"
            value={row.value2}
            onChange={(e) => onChange({ value2: e.target.value })}
          />
        </>
      )}
      {field && field.values.length > 0 && (
        <datalist id={`${id}-values`}>
          {field.values.map((value) => (
            <option key={value} value={value} />
          ))}
        </datalist>
      )}
      <Button size="sm" variant="ghost" className="btn-icon" aria-label={`Remove condition ${index + 1}`} onClick={onRemove}>
        <span aria-hidden="true">×</span>
      </Button>
    </li>
  );
}
