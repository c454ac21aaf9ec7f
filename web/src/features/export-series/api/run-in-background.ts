import { useMutation } from "@tanstack/react-query";
import { useRef } from "react";
import { ApiError, isApiError } from "../../../lib/api-client";
import { newIdempotencyKey, submitExport, type ExportEnvelope, type JobRecord } from "../../../lib/export-jobs";
import type { ExportRequest } from "../../../lib/export-request";

/**
 * The envelope POST /api/v1/exports takes for the request the dialog would otherwise download; `destinations` get
 * the file once it is written.
 */
export function seriesEnvelope(request: ExportRequest, destinations: readonly string[] = []): ExportEnvelope {
  return {
    kind: "series",
    series: request,
    format: request.format,
    ...(request.compression ? { compression: request.compression } : {}),
    ...(destinations.length > 0 ? { delivery: { destinations: [...destinations] } } : {}),
  };
}

/** A background export: the request, and where to deliver its file. */
export interface BackgroundExport {
  request: ExportRequest;
  destinations?: readonly string[];
}

/** The server names fields inside the envelope ("series.formatOptions.delimiter"); the dialog's steps know them without. */
function withoutEnvelopePrefix(error: ApiError): ApiError {
  const errors = Object.fromEntries(
    Object.entries(error.errors).map(([field, messages]) => [field.replace(/^series\./i, ""), messages]),
  );
  return new ApiError({ status: error.status, title: error.title, detail: error.detail, type: error.type, errors });
}

export async function runInBackground({ request, destinations }: BackgroundExport, idempotencyKey?: string): Promise<JobRecord> {
  try {
    return await submitExport(seriesEnvelope(request, destinations), { idempotencyKey });
  } catch (error) {
    throw isApiError(error) ? withoutEnvelopePrefix(error) : error;
  }
}

/**
 * Starts the export as a background job. "Try again" with an unchanged request and destinations sends the same
 * Idempotency-Key, so an attempt whose answer was lost does not start a second job.
 */
export function useRunInBackground() {
  const attempt = useRef<{ body: string; key: string } | null>(null);
  return useMutation({
    mutationFn: (run: BackgroundExport) => {
      const body = JSON.stringify(seriesEnvelope(run.request, run.destinations));
      if (attempt.current?.body !== body) attempt.current = { body, key: newIdempotencyKey() };
      return runInBackground(run, attempt.current.key);
    },
  });
}
