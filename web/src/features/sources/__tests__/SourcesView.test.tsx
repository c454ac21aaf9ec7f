import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { jsonResponse, mockFetch } from "../../../test/fetch-mock";
import { zonePattern } from "../../../test/live";
import { renderWithClient } from "../../../test/render";
import { demoSources } from "../../../test/sources";
import { SourcesView } from "../components/SourcesView";

function cell(row: HTMLElement, column: string): HTMLElement {
  const headers = within(row.closest("table")!).getAllByRole("columnheader").map((header) => header.textContent);
  return row.children[headers.indexOf(column)] as HTMLElement;
}

describe("SourcesView", () => {
  it("lists the sources with kind, description, extent and row counts, linking to each page and to Explore", async () => {
    mockFetch({ "GET /api/v1/sources": () => jsonResponse(demoSources) });
    renderWithClient(<SourcesView sourceHref={(name) => `#/sources/${name}`} exploreHref={(name) => `#/explore?source=${name}`} />);

    const servers = await screen.findByRole("row", { name: "servers" });
    expect(within(servers).getByRole("link", { name: "servers" })).toHaveAttribute("href", "#/sources/servers");
    expect(within(servers).getByRole("link", { name: "Explore" })).toHaveAttribute("href", "#/explore?source=servers");
    expect(cell(servers, "Kind")).toHaveTextContent("Time series");
    expect(cell(servers, "Description")).toHaveTextContent("Host metrics sampled every minute");
    const zone = zonePattern("2026-11-22T00:00:00Z");
    expect(cell(servers, "Data from")).toHaveTextContent(new RegExp(`2026, .*\\d:\\d\\d:00 [AP]M ${zone} – .*2026, .*\\d:\\d\\d:00 [AP]M ${zone}`));
    expect(cell(servers, "Rows")).toHaveTextContent("2,592,000 raw · 43,200 hourly · 1,800 daily");

    const agents = screen.getByRole("row", { name: "agent-commands" });
    expect(cell(agents, "Kind")).toHaveTextContent("Records");
    expect(cell(agents, "Data from")).toHaveTextContent("No data yet");
    expect(cell(agents, "Rows")).toHaveTextContent("120,000 raw · 0 hourly · 0 daily");
  });
});
