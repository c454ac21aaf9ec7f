import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { jsonResponse, mockFetch, problemResponse } from "../../../test/fetch-mock";
import { zonePattern } from "../../../test/live";
import { createTestQueryClient, renderWithClient } from "../../../test/render";
import { demoSources } from "../../../test/sources";
import { SourcesView } from "../components/SourcesView";
import { SourceView } from "../components/SourceView";
import { listSources } from "../api/list-sources";

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

/** A query client whose sources list was read a moment ago, before "servers" was made: fresh by its staleTime. */
async function clientCachedWithoutServers() {
  const client = createTestQueryClient();
  mockFetch({ "GET /api/v1/sources": () => jsonResponse({ sources: demoSources.sources.filter((source) => source.name !== "servers") }) });
  await client.prefetchQuery({ queryKey: ["sources", "list"], queryFn: () => listSources() });
  return client;
}

/** Whether the text ever appeared in the page, however briefly. */
function watchFor(text: string): () => boolean {
  let seen = false;
  const check = () => {
    if (document.body.textContent?.includes(text)) seen = true;
  };
  const observer = new MutationObserver(check);
  observer.observe(document.body, { childList: true, subtree: true, characterData: true });
  return () => {
    check();
    observer.disconnect();
    return seen;
  };
}

describe("the sources pages against a cached list", () => {
  it("the list reads the sources again on every visit, so a source made since shows", async () => {
    const client = await clientCachedWithoutServers();
    mockFetch({ "GET /api/v1/sources": () => jsonResponse(demoSources) });
    renderWithClient(<SourcesView sourceHref={(name) => `#/sources/${name}`} exploreHref={(name) => `#/explore?source=${name}`} />, client);

    expect(await screen.findByRole("row", { name: "servers" })).toBeInTheDocument();
  });

  it("a source's page reads them again and shows the source, never saying first that there is none", async () => {
    const client = await clientCachedWithoutServers();
    mockFetch({
      "GET /api/v1/sources": () => jsonResponse(demoSources),
      "GET /api/v1/sources/servers/sinks": () => jsonResponse([]),
      "GET /api/v1/sources/servers/stream-tokens": () => jsonResponse({ tokens: [] }),
    });
    const sawMissing = watchFor("No source named");
    renderWithClient(<SourceView name="servers" listHref="#/sources" exploreHref={(name) => `#/explore?source=${name}`} />, client);
    expect(screen.getByRole("status")).toHaveTextContent("Loading the source…");

    expect(await screen.findByRole("heading", { level: 1, name: /servers\s*Time series/ })).toBeInTheDocument();
    expect(sawMissing()).toBe(false);
  });

  it("a source's page whose fresh read fails says so, not that the source is missing", async () => {
    const client = await clientCachedWithoutServers();
    mockFetch({ "GET /api/v1/sources": () => problemResponse({ status: 503, title: "The database is not answering" }) });
    const sawMissing = watchFor("No source named");
    renderWithClient(<SourceView name="servers" listHref="#/sources" exploreHref={(name) => `#/explore?source=${name}`} />, client);

    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("The database is not answering"));
    expect(screen.getByRole("button", { name: "Try again" })).toBeInTheDocument();
    expect(sawMissing()).toBe(false);
  });
});
