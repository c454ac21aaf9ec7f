import { apiFetch } from "./api-client";

export interface DownloadProgress {
  /** Bytes of the body received so far. */
  received: number;
  /** Content-Length when the server sent one (streamed responses usually do not). */
  total: number | undefined;
}

export interface DownloadResult {
  filename: string;
  bytes: number;
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
 * POSTs a JSON body and saves the streamed answer as a file. Errors sent before streaming arrive as
 * Problem Details and are thrown as ApiError, so the page can show them instead of navigating away.
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
