/** A ready EventSource snippet for a stream url (which carries the token): paste it into a page on an allowed origin. */
export function eventSourceSnippet(url: string): string {
  return [
    `const events = new EventSource(${JSON.stringify(url)});`,
    "events.onmessage = (e) => {",
    "  // { seq, committedAt, rowCount, rows: [...] }, and fromSeq when several seqs came as one",
    "  const batch = JSON.parse(e.data);",
    "  console.log(batch.seq, batch.rows);",
    "};",
    "// Seqs the stream could not send (older than its log): { from, to }",
    'events.addEventListener("gap", (e) => console.warn("lost seqs", JSON.parse(e.data)));',
  ].join("\n");
}

/** "1,234 ms" as "1.2 s"; below a second in milliseconds. */
export function formatLatency(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "–";
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
