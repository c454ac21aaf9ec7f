import { useMutation } from "@tanstack/react-query";
import { z } from "zod";
import { apiJson } from "../../../lib/api-client";
import { destinationPath } from "../../../lib/destinations";
import type { DestinationBody } from "./destination";

/** What a test send did: `ok` with what the receiver said (`detail`), or the reason it failed (`error`). */
export const testResultSchema = z.object({
  ok: z.boolean(),
  kind: z.string(),
  detail: z.string().nullish(),
  error: z.string().nullish(),
  fileName: z.string(),
  bytes: z.number(),
  durationMs: z.number(),
  sentAt: z.string(),
});

export type TestResult = z.infer<typeof testResultSchema>;

/**
 * "Send test": a small text file, sent once. With `id`, to the saved destination (with `body`, to the form's
 * unsaved changes, the stored secrets filling empty boxes); without, to an unsaved form. A form the server refuses
 * is an ApiError with the save's field errors; a send that fails is a result with `ok: false`.
 */
export function testDestination({ id, body }: { id?: string | undefined; body?: DestinationBody | undefined }): Promise<TestResult> {
  const path = id ? `${destinationPath(id)}/test` : "/api/v1/destinations/test";
  return apiJson(path, testResultSchema, body ? { method: "POST", body } : { method: "POST" });
}

export function useTestDestination() {
  return useMutation({ mutationFn: testDestination });
}
