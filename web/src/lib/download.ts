import { z } from "zod";
import { ApiError, apiFetch } from "./api-client";

export interface DownloadProgress {
  /** Bytes of the body received so far. */
  received: number;
  /** Content-Length when the server sent one (streamed responses usually do not). */
  total: number | undefined;
}

export interface DownloadResult {
  filename: string;
  /** Bytes saved; NaN when the browser's download manager took the file (the page never sees its bytes). */
  bytes: number;
  /** Set when the file went to the browser's download manager through a signed link instead of page memory. */
  direct?: boolean;
}

/** Extracts the file name from a Content-Disposition header (RFC 6266, with RFC 5987 filename*). */
export function filenameFromDisposition(header: string | null): string | undefined {
  if (!header) return undefined;
  const extended = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(header);
  if (extended?.[2]) {
    try {
      return decodeURIComponent(extended[2].trim());
    } catch {
      // fall through to the plain parameter
    }
  }
  const quoted = /filename\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(header);
  if (quoted?.[1] !== undefined) return quoted[1].replace(/\\(.)/g, "$1");
  const bare = /filename\s*=\s*([^;]+)/i.exec(header);
  return bare?.[1]?.trim() || undefined;
}

/** Hands a blob to the browser as a file download. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.rel = "noopener";
  link.style.display = "none";
  document.body.append(link);
  link.click();
  link.remove();
  // Give the browser a moment to start the download before releasing the blob.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Hands a same-origin URL to the browser's download manager (an anchor click): the file streams to disk with the
 * browser's own progress, pause and resume, and never passes through the page's memory. The server names the file
 * (Content-Disposition); `filename` is the browser's fallback.
 */
export function startBrowserDownload(url: string, filename?: string): void {
  const link = document.createElement("a");
  link.href = url;
  link.download = filename ?? "";
  link.rel = "noopener";
  link.style.display = "none";
  document.body.append(link);
  link.click();
  link.remove();
}

/** Export routes that have a direct-download twin: POST the request there, get a short-lived signed GET link. */
const DIRECT_ROUTES: Record<string, string> = { "/api/v1/exports/series": "/api/v1/exports/series/direct" };

const directLinkSchema = z.object({ url: z.string(), expiresAt: z.string(), fileName: z.string() });
const backgroundSchema = z.object({ background: z.literal(true), reason: z.string(), job: z.unknown() });

/** The file went to the browser's download manager, or the server moved the export to a background job. */
export type DirectDownloadAnswer =
  | ({ background: false } & DownloadResult)
  | { background: true; reason: string; job: unknown };

/**
 * A direct download: POSTs the request to the route's direct twin, which checks it (Problem Details are thrown as
 * ApiError before anything is saved) and answers with a single-use signed link valid for minutes; the browser then
 * downloads that link itself. An export too large to stream answers with a background job instead.
 */
export async function directDownload(
  path: string,
  body: unknown,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<DirectDownloadAnswer> {
  const direct = DIRECT_ROUTES[path];
  if (!direct) throw new Error(`${path} has no direct download route.`);
  const response = await apiFetch(direct, { method: "POST", body, signal: options.signal });
  const json: unknown = await response.json().catch(() => undefined);
  if (response.status === 202) {
    const answer = backgroundSchema.safeParse(json);
    if (!answer.success) throw new ApiError({ status: 202, title: "Unexpected response from the server" });
    return answer.data;
  }
  const link = directLinkSchema.safeParse(json);
  if (!link.success) throw new ApiError({ status: response.status, title: "Unexpected response from the server" });
  startBrowserDownload(link.data.url, link.data.fileName);
  return { background: false, filename: link.data.fileName, bytes: Number.NaN, direct: true };
}

/**
 * POSTs a JSON body and saves the answer as a file. A route with a direct twin (series exports) goes through the
 * browser's download manager (see `directDownload`); others are read into the page and saved. Errors sent before
 * streaming arrive as Problem Details and are thrown as ApiError, so the page can show them instead of navigating
 * away.
 */
export async function downloadFile(
  path: string,
  body: unknown,
  options: {
    fallbackFilename: string;
    onProgress?: (progress: DownloadProgress) => void;
    signal?: AbortSignal | undefined;
  },
): Promise<DownloadResult> {
  if (DIRECT_ROUTES[path]) {
    const answer = await directDownload(path, body, { signal: options.signal });
    if (answer.background) throw new ApiError({ status: 202, title: "This export runs in the background", detail: answer.reason });
    return answer;
  }
  const response = await apiFetch(path, {
    method: "POST",
    body,
    signal: options.signal,
    headers: { Accept: "*/*" },
  });
  return saveResponse(response, options);
}

/**
 * Reads a successful response's body (reporting bytes as they arrive) and saves it under the name in its
 * Content-Disposition header, or `fallbackFilename` without one.
 */
export async function saveResponse(
  response: Response,
  options: { fallbackFilename: string; onProgress?: ((progress: DownloadProgress) => void) | undefined },
): Promise<DownloadResult> {
  const lengthHeader = response.headers.get("Content-Length");
  const total = lengthHeader ? Number(lengthHeader) || undefined : undefined;
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let received = 0;
  options.onProgress?.({ received, total });

  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value as Uint8Array<ArrayBuffer>);
      received += value.byteLength;
      options.onProgress?.({ received, total });
    }
  } else {
    const buffer = new Uint8Array(await response.arrayBuffer());
    chunks.push(buffer);
    received = buffer.byteLength;
    options.onProgress?.({ received, total });
  }

  const filename =
    filenameFromDisposition(response.headers.get("Content-Disposition")) ?? options.fallbackFilename;
  const type = response.headers.get("Content-Type") ?? "application/octet-stream";
  saveBlob(new Blob(chunks, { type }), filename);
  return { filename, bytes: received };
}
