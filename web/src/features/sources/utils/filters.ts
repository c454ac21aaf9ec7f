import type { FilterCondition, FilterOp, Filter } from "../../../lib/export-request";
import type { Source } from "../api/list-sources";

/** "array": a records field holding an array of scalars, tested with text values (elements). */
export type ValueType = "string" | "number" | "array";

/** A field a filter row can test, with the values known for dimensions. */
export interface FilterField {
  name: string;
  type: ValueType;
  values: string[];
}

/** One row of the filter builder, as typed by the user. */
export interface FilterRow {
  id: number;
  field: string;
  op: FilterOp;
  value: string;
  /** Upper bound for `between`. */
  value2: string;
}

export const STRING_OPS: readonly FilterOp[] = ["eq", "neq", "in", "nin", "contains", "startsWith", "exists"];
export const NUMBER_OPS: readonly FilterOp[] = ["eq", "neq", "gt", "gte", "lt", "lte", "between", "in", "nin", "exists"];

/** On an array field: contains = some element equals the value; in / nin = some element equals one of the values
 * (none does); eq / neq = the whole array, typed as its elements separated by commas; exists = the field is present. */
export const ARRAY_OPS: readonly FilterOp[] = ["contains", "in", "nin", "eq", "neq", "exists"];

export function opsFor(type: ValueType): readonly FilterOp[] {
  return type === "number" ? NUMBER_OPS : type === "array" ? ARRAY_OPS : STRING_OPS;
}

/** The dimensions a query can group by: an array field is a dimension but not a group (the server refuses it). */
export function groupableDimensions(source: Source): Source["dimensions"] {
  if (source.kind !== "records") return source.dimensions;
  const arrays = new Set(source.fields.filter((field) => field.type === "array").map((field) => field.name));
  return source.dimensions.filter((dimension) => !arrays.has(dimension.name));
}

export function filterFieldsOf(source: Source): FilterField[] {
  const values = new Map(source.dimensions.map((dimension) => [dimension.name, dimension.values]));
  if (source.kind === "records") {
    return source.fields.map((field) => ({
      name: field.name,
      type: field.type === "string" ? "string" : field.type === "array" ? "array" : "number",
      values: values.get(field.name) ?? [],
    }));
  }
  return [
    ...source.dimensions.map((dimension) => ({ name: dimension.name, type: "string" as const, values: dimension.values })),
    ...source.metrics.map((metric) => ({ name: metric.name, type: "number" as const, values: [] })),
  ];
}

function parseScalar(text: string, type: ValueType): string | number {
  const trimmed = text.trim();
  if (type === "number" && trimmed !== "" && Number.isFinite(Number(trimmed))) return Number(trimmed);
  // A number field with a non-number value goes through as typed, so the server can say what is wrong.
  return trimmed;
}

/** A filter row as a condition, or undefined while it is incomplete. */
export function compileRow(row: FilterRow, fields: readonly FilterField[]): FilterCondition | undefined {
  const field = fields.find((candidate) => candidate.name === row.field);
  if (!field) return undefined;
  switch (row.op) {
    case "exists":
      return { field: field.name, op: "exists" };
    case "between":
      if (!row.value.trim() || !row.value2.trim()) return undefined;
      return { field: field.name, op: "between", value: [parseScalar(row.value, field.type), parseScalar(row.value2, field.type)] };
    case "in":
    case "nin":
      return listCondition(row, field);
    case "eq":
    case "neq":
      // On an array field eq / neq compare the whole array: its elements as typed, in order, written like a list.
      if (field.type === "array") return listCondition(row, field);
      break;
  }
  if (!row.value.trim()) return undefined;
  return { field: field.name, op: row.op, value: parseScalar(row.value, field.type) };
}

function listCondition(row: FilterRow, field: FilterField): FilterCondition | undefined {
  const list = splitList(row.value).map((part) => parseScalar(part, field.type));
  return list.length > 0 ? { field: field.name, op: row.op, value: list } : undefined;
}

function splitList(text: string): string[] {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
}

/** Complete rows combined with AND; undefined when there is nothing to filter on. */
export function compileFilters(rows: readonly FilterRow[], fields: readonly FilterField[]): Filter | undefined {
  const conditions = rows.map((row) => compileRow(row, fields)).filter((c): c is FilterCondition => c !== undefined);
  if (conditions.length === 0) return undefined;
  return conditions.length === 1 ? conditions[0] : { and: conditions };
}

/** A filter as the builder's rows: conditions joined by AND (or one condition); undefined for what rows cannot show
 * (OR, NOT, nested groups). */
export function rowsFromFilter(filter: Filter | null | undefined): FilterRow[] | undefined {
  if (!filter) return [];
  const conditions = "and" in filter ? filter.and : [filter];
  const rows: FilterRow[] = [];
  for (const [index, condition] of conditions.entries()) {
    if (!("field" in condition) || !("op" in condition)) return undefined;
    const value = condition.value;
    const list = Array.isArray(value) ? value.map(String) : undefined;
    rows.push({
      id: index + 1,
      field: condition.field,
      op: condition.op,
      value: condition.op === "between" ? (list?.[0] ?? "") : list ? list.join(", ") : value === undefined ? "" : String(value),
      value2: condition.op === "between" ? (list?.[1] ?? "") : "",
    });
  }
  return rows;
}
