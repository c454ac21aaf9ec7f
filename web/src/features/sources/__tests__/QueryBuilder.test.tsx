import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import type { ExportQuery } from "../../../lib/export-request";
import { demoSources } from "../../../test/sources";
import { sourceSchema } from "../api/list-sources";
import { QueryBuilder } from "../components/QueryBuilder";
import { initialDraft, toExportQuery } from "../utils/query-draft";

const sources = demoSources.sources.map((source) => sourceSchema.parse(source));

/** The builder with its state, printing the query it produces. */
function Harness() {
  const [draft, setDraft] = useState(() => initialDraft(sources[0]!));
  const source = sources.find((candidate) => candidate.name === draft.source)!;
  const query: ExportQuery = toExportQuery(draft, source, "UTC");
  return (
    <>
      <QueryBuilder sources={sources} source={source} draft={draft} onChange={setDraft} />
      <output data-testid="query">{JSON.stringify(query)}</output>
    </>
  );
}

const query = () => JSON.parse(screen.getByTestId("query").textContent!) as ExportQuery;

describe("QueryBuilder", () => {
  it("builds metrics, granularity, a filter, group by and aggregations into the query", async () => {
    const user = userEvent.setup();
    render(<Harness />);

    expect(screen.getByRole("checkbox", { name: "cpu_percent (%)" })).toBeChecked();
    await user.click(screen.getByRole("checkbox", { name: "memory_percent (%)" }));
    await user.selectOptions(screen.getByLabelText("Granularity"), "1 hour");

    await user.click(screen.getByRole("button", { name: "+ Add condition" }));
    const condition = screen.getByRole("group", { name: "Condition 1" });
    await user.selectOptions(within(condition).getByLabelText("Condition 1 field"), "cpu_percent");
    await user.selectOptions(within(condition).getByLabelText("Condition 1 operator"), "gt");
    await user.type(within(condition).getByLabelText("Condition 1 value"), "80");

    await user.click(within(screen.getByRole("group", { name: "Group by" })).getByRole("checkbox", { name: "region" }));
    await user.click(screen.getByRole("checkbox", { name: "p95" }));

    expect(query()).toEqual({
      source: "servers",
      metrics: ["cpu_percent", "memory_percent"],
      timeframe: { last: "24h" },
      timezone: "UTC",
      granularity: "1h",
      filter: { field: "cpu_percent", op: "gt", value: 80 },
      groupBy: ["region"],
      aggregations: ["p95"],
    });

    await user.click(screen.getByRole("button", { name: "Remove condition 1" }));
    expect(query().filter).toBeUndefined();
  });

  it("switches to the fields of a records source", async () => {
    const user = userEvent.setup();
    render(<Harness />);

    await user.selectOptions(screen.getByLabelText("Source"), "agent-commands");

    expect(screen.queryByRole("group", { name: "Metrics" })).not.toBeInTheDocument();
    const fields = screen.getByRole("group", { name: "Fields" });
    const boxes = within(fields).getAllByRole<HTMLInputElement>("checkbox");
    expect(boxes).toHaveLength(5);
    expect(boxes.every((box) => box.checked)).toBe(true);
    await user.click(within(fields).getByRole("checkbox", { name: "exit_code (integer)" }));
    expect(query()).toMatchObject({ source: "agent-commands", fields: ["agent", "command", "status", "duration_ms"] });
    expect(query().metrics).toBeUndefined();
  });
});
