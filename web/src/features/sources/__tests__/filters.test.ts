import { describe, expect, it } from "vitest";
import { sourceSchema } from "../api/list-sources";
import { demoSources } from "../../../test/sources";
import { compileFilters, filterFieldsOf, type FilterRow } from "../utils/filters";
import { initialDraft, toExportQuery } from "../utils/query-draft";

const [servers, commands] = demoSources.sources.map((source) => sourceSchema.parse(source));

function row(id: number, field: string, op: FilterRow["op"], value = "", value2 = ""): FilterRow {
  return { id, field, op, value, value2 };
}

describe("compileFilters", () => {
  const fields = filterFieldsOf(commands!);

  it("types values by field and combines complete rows with AND", () => {
    const filter = compileFilters(
      [
        row(1, "status", "in", "failed, timeout ,"),
        row(2, "duration_ms", "between", "100", "2500.5"),
        row(3, "exit_code", "neq", "0"),
        row(4, "agent", "exists"),
        row(5, "command", "eq", "   "),
      ],
      fields,
    );

    expect(filter).toEqual({
      and: [
        { field: "status", op: "in", value: ["failed", "timeout"] },
        { field: "duration_ms", op: "between", value: [100, 2500.5] },
        { field: "exit_code", op: "neq", value: 0 },
        { field: "agent", op: "exists" },
      ],
    });
  });

  it("sends a single condition on its own and nothing for incomplete rows", () => {
    expect(compileFilters([row(1, "command", "startsWith", "dep")], fields)).toEqual({
      field: "command",
      op: "startsWith",
      value: "dep",
    });
    expect(compileFilters([row(1, "duration_ms", "between", "5")], fields)).toBeUndefined();
  });

  it("offers dimensions as text and metrics as numbers for a time series", () => {
    expect(filterFieldsOf(servers!).map((field) => `${field.name}:${field.type}`)).toEqual([
      "server:string",
      "region:string",
      "cpu_percent:number",
      "memory_percent:number",
      "load_avg:number",
    ]);
  });
});

describe("toExportQuery", () => {
  it("sends fields for records only when a subset is chosen", () => {
    const draft = initialDraft(commands!);
    expect(toExportQuery(draft, commands!, "UTC")).toEqual({
      source: "agent-commands",
      timeframe: { last: "24h" },
      timezone: "UTC",
      granularity: "auto",
    });
    expect(toExportQuery({ ...draft, fields: ["agent", "duration_ms"] }, commands!, "UTC").fields).toEqual([
      "agent",
      "duration_ms",
    ]);
  });
});
