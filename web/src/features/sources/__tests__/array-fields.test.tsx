import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { sourceSchema } from "../api/list-sources";
import { QueryBuilder } from "../components/QueryBuilder";
import { decodeExploreState } from "../utils/explore-url";
import { compileFilters, filterFieldsOf, groupableDimensions, opsFor, type FilterRow } from "../utils/filters";
import { initialDraft } from "../utils/query-draft";

// A records source as GET /sources lists it when a field holds arrays (a dimension of type array).
const tickets = sourceSchema.parse({
  name: "tickets",
  kind: "records",
  fields: [
    { name: "team", role: "dimension", type: "string" },
    { name: "labels", role: "dimension", type: "array" },
    { name: "minutes", role: "measure", type: "integer", unit: "min" },
  ],
  dimensions: [
    { name: "team", values: ["core"] },
    { name: "labels", values: [] },
  ],
});

function row(id: number, field: string, op: FilterRow["op"], value = ""): FilterRow {
  return { id, field, op, value, value2: "" };
}

describe("array fields", () => {
  it("parse in the source list (an array field does not fail the whole list)", () => {
    expect(tickets.fields.map((field) => `${field.name}:${field.type}`)).toEqual(["team:string", "labels:array", "minutes:integer"]);
  });

  it("filter with contains, in, nin, eq, neq and exists on text values", () => {
    const fields = filterFieldsOf(tickets);
    expect(fields.find((field) => field.name === "labels")?.type).toBe("array");
    expect(opsFor("array")).toEqual(["contains", "in", "nin", "eq", "neq", "exists"]);

    expect(
      compileFilters(
        [
          row(1, "labels", "contains", " 12 "),
          row(2, "labels", "in", "bug, ui ,"),
          row(3, "labels", "nin", "wontfix"),
          row(4, "labels", "eq", "bug, ui"),
          row(5, "labels", "neq", "7"),
          row(6, "labels", "exists"),
          row(7, "labels", "eq", " "),
        ],
        fields,
      ),
    ).toEqual({
      and: [
        { field: "labels", op: "contains", value: "12" },
        { field: "labels", op: "in", value: ["bug", "ui"] },
        { field: "labels", op: "nin", value: ["wontfix"] },
        { field: "labels", op: "eq", value: ["bug", "ui"] },
        { field: "labels", op: "neq", value: ["7"] },
        { field: "labels", op: "exists" },
      ],
    });
    // eq on a string field stays one value.
    expect(compileFilters([row(1, "team", "eq", "core, ops")], fields)).toEqual({ field: "team", op: "eq", value: "core, ops" });
  });

  it("are not offered to group by, in the builder or from an address", () => {
    expect(groupableDimensions(tickets).map((dimension) => dimension.name)).toEqual(["team"]);

    render(<QueryBuilder sources={[tickets]} source={tickets} draft={initialDraft(tickets)} onChange={() => {}} />);
    const group = screen.getByRole("group", { name: "Group by" });
    expect(within(group).getByRole("checkbox", { name: "team" })).toBeInTheDocument();
    expect(within(group).queryByRole("checkbox", { name: "labels" })).toBeNull();

    const state = decodeExploreState(new URLSearchParams("source=tickets&groupBy=labels,team"), [tickets], "UTC");
    expect(state.draft.groupBy).toEqual(["team"]);
  });
});
