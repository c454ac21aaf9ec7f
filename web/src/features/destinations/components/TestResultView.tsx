import { formatBytes } from "../../../lib/format";
import type { TestResult } from "../api/test-destination";

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * A test send's outcome in a sentence: what the receiver said, or why it failed. Nothing before the first test; the
 * status region appears with "Sending…", so the outcome that replaces it is announced.
 */
export function TestResultView({ result, pending, className }: { result: TestResult | undefined; pending: boolean; className?: string }) {
  if (!pending && !result) return null;
  return (
    <div role="status" className={["test-result", className ?? ""].filter(Boolean).join(" ")}>
      {pending ? (
        <p className="test-result-pending">Sending a test file…</p>
      ) : result?.ok ? (
        <p className="test-result-ok">
          <strong>Test sent</strong> in {seconds(result.durationMs)}: {result.detail}.{" "}
          <span className="test-result-file">
            {result.fileName}, {formatBytes(result.bytes)}
          </span>
        </p>
      ) : result ? (
        <p className="test-result-failed">
          <strong>Test failed</strong> after {seconds(result.durationMs)}: {result.error}
        </p>
      ) : null}
    </div>
  );
}
