import { describe, expect, it } from "vitest";
import { eventSourceSnippet } from "../utils/snippet";

const URL_WITH_TOKEN = "https://exports.example.com/api/v1/sources/servers/stream?token=lst_abc";

/** Runs the snippet as a page would, against a stand-in EventSource and console, and returns what it set up. */
function run(snippet: string) {
  const logged: unknown[][] = [];
  const warned: unknown[][] = [];
  const sources: { url: string; onmessage?: (e: { data: string }) => void; listeners: Map<string, (e: { data: string }) => void> }[] = [];
  class EventSource {
    url: string;
    onmessage?: (e: { data: string }) => void;
    listeners = new Map<string, (e: { data: string }) => void>();
    constructor(url: string) {
      this.url = url;
      sources.push(this);
    }
    addEventListener(type: string, listener: (e: { data: string }) => void) {
      this.listeners.set(type, listener);
    }
  }
  const console = { log: (...args: unknown[]) => logged.push(args), warn: (...args: unknown[]) => warned.push(args) };
  new Function("EventSource", "console", snippet)(EventSource, console);
  return { source: sources[0]!, logged, warned };
}

describe("the EventSource snippet", () => {
  it("opens the url, logs each batch (a coalesced one too) and warns of lost seqs on a gap event", () => {
    const snippet = eventSourceSnippet(URL_WITH_TOKEN);
    expect(snippet).toContain("fromSeq");
    const { source, logged, warned } = run(snippet);
    expect(source.url).toBe(URL_WITH_TOKEN);

    source.onmessage!({ data: JSON.stringify({ seq: 42, fromSeq: 40, committedAt: "2026-03-01T10:00:00Z", rowCount: 1, rows: [{ value: 1 }] }) });
    expect(logged).toEqual([[42, [{ value: 1 }]]]);

    source.listeners.get("gap")!({ data: JSON.stringify({ from: 3, to: 17 }) });
    expect(warned).toEqual([["lost seqs", { from: 3, to: 17 }]]);
  });

  it("stays short", () => {
    expect(eventSourceSnippet(URL_WITH_TOKEN).split("\n").length).toBeLessThanOrEqual(8);
  });
});
