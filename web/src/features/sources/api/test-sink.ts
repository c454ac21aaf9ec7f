import { useMutation } from "@tanstack/react-query";
import { z } from "zod";
import { apiJson } from "../../../lib/api-client";
import { sinksPath } from "./sink";

/** What a signed test event came to: delivered or not, the receiver's HTTP status, the latency and why it failed. */
export const sinkTestResultSchema = z.object({
  delivered: z.boolean(),
  httpStatus: z.number().nullish(),
  latencyMs: z.number(),
  error: z.string().nullish(),
});

export type SinkTestResult = z.infer<typeof sinkTestResultSchema>;

/** POST …/test: one signed test event now (sequence 0, no rows), outside the sink's sequence; 429 when throttled. */
export function testSink(source: string, id: string): Promise<SinkTestResult> {
  return apiJson(`${sinksPath(source, id)}/test`, sinkTestResultSchema, { method: "POST" });
}

export function useTestSink(source: string) {
  return useMutation({ mutationFn: (id: string) => testSink(source, id) });
}
