import { vi } from "vitest";

export interface RecordedRequest {
  url: string;
  method: string;
  body: unknown;
  init: RequestInit;
}

type Handler = (request: RecordedRequest) => Response | Promise<Response>;

export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

export function problemResponse(problem: { status: number; title: string; detail?: string; errors?: Record<string, string[]> }): Response {
  return new Response(JSON.stringify({ type: "https://tools.ietf.org/html/rfc9110#section-15.5.1", ...problem }), {
    status: problem.status,
    headers: { "Content-Type": "application/problem+json" },
  });
}

/** A response whose body arrives in the given chunks, like a streamed export. */
export function streamResponse(chunks: string[], headers: Record<string, string>): Response {
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
  return new Response(stream, { status: 200, headers });
}

/**
 * Stubs global fetch with handlers keyed by "METHOD /path"; an unknown route fails the test.
 * Returns the requests made so far, with JSON bodies parsed.
 */
export function mockFetch(routes: Record<string, Handler>): RecordedRequest[] {
  const requests: RecordedRequest[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const method = (init.method ?? "GET").toUpperCase();
    const body = typeof init.body === "string" ? JSON.parse(init.body) : undefined;
    const request = { url, method, body, init };
    requests.push(request);
    const handler = routes[`${method} ${url}`];
    if (!handler) throw new Error(`Unexpected request: ${method} ${url}`);
    return handler(request);
  });
  vi.stubGlobal("fetch", fetchMock);
  return requests;
}

/** Captures what saveBlob hands to the browser: the file name and the blob's text. */
export function captureDownloads(): { filename: string; blob: Blob }[] {
  const saved: { filename: string; blob: Blob }[] = [];
  const blobs = new Map<string, Blob>();
  let next = 0;
  vi.spyOn(URL, "createObjectURL").mockImplementation((blob: Blob | MediaSource) => {
    const url = `blob:test/${next++}`;
    blobs.set(url, blob as Blob);
    return url;
  });
  vi.spyOn(URL, "revokeObjectURL").mockImplementation(() => undefined);
  vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
    const blob = blobs.get(this.getAttribute("href") ?? "");
    if (blob) saved.push({ filename: this.download, blob });
  });
  return saved;
}

/** The browser downloads a test started by clicking a link to a URL (not a Blob): what the download manager would
 * fetch, and the name suggested for it. */
export function captureLinkDownloads(): { filename: string; url: string }[] {
  const started: { filename: string; url: string }[] = [];
  vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
    started.push({ filename: this.download, url: this.getAttribute("href") ?? "" });
  });
  return started;
}

/** The answer of POST /api/v1/exports/series/direct: a single-use signed link and the file's name. */
export function directLinkResponse(fileName: string, id = "0193-test") {
  return jsonResponse({ url: `/api/v1/exports/series/direct/${id}?token=1764482100.sig`, expiresAt: "2026-11-30T10:05:00Z", fileName }, 201);
}
