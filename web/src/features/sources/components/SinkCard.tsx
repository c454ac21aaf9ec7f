import { useId, useState, type Ref } from "react";
import { Button } from "../../../components/ui/Button";
import { ConfirmDialog } from "../../../components/ui/ConfirmDialog";
import { errorMessage } from "../../../lib/api-client";
import { formatCount, formatInstantPrecise } from "../../../lib/format";
import { useDeleteSink } from "../api/delete-sink";
import type { Source } from "../api/list-sources";
import { useResumeSink } from "../api/resume-sink";
import type { Sink } from "../api/sink";
import { useTestSink, type SinkTestResult } from "../api/test-sink";
import { formatLatency } from "../utils/snippet";
import { SinkDeliveries } from "./SinkDeliveries";

export interface SinkCardProps {
  source: Source;
  sink: Sink;
  /** The Edit button, for focus to return to when the form closes. */
  editRef?: Ref<HTMLButtonElement>;
  onEdit: () => void;
  onDeleted: () => void;
}

/** One sink, named by its URL: its state (active, or paused and why; failing since when), what it sends and how it
 * batches, and Send test, Edit, Resume, Delete and its deliveries. */
export function SinkCard({ source, sink, editRef, onEdit, onDeleted }: SinkCardProps) {
  const nameId = useId();
  const test = useTestSink(source.name);
  const resume = useResumeSink(source.name);
  const remove = useDeleteSink(source.name);
  const [confirming, setConfirming] = useState(false);
  // A test's outcome is about the URL it went to: once the URL is edited it no longer says anything about the sink.
  const [testedUrl, setTestedUrl] = useState<string | null>(null);
  const testCurrent = testedUrl === sink.url;
  const paused = sink.status === "paused";
  const hasFilter = sink.filter !== null && sink.filter !== undefined;

  return (
    <li className="source-item" aria-labelledby={nameId}>
      <div className="source-item-head">
        <h3 id={nameId} className="source-item-name">
          {sink.url}
        </h3>
        {/* Active while failing: still retrying, so not green (the line below says why). */}
        <span className={`status-badge ${paused ? "status-failed" : sink.failingSince ? "status-processing" : "status-completed"}`}>
          {paused ? "Paused" : "Active"}
        </span>
      </div>
      {paused && (
        <p className="inline-error">
          Paused{sink.pausedAt ? ` ${formatInstantPrecise(sink.pausedAt)}` : ""}: {sink.pausedReason ?? "no reason given"}
        </p>
      )}
      {!paused && sink.failingSince && (
        <p className="inline-error">
          Failing since {formatInstantPrecise(sink.failingSince)}
          {sink.lastError ? `: ${sink.lastError}` : ""}
        </p>
      )}
      {!sink.failingSince && !paused && sink.lastError && <p className="field-hint">Last error: {sink.lastError}</p>}
      <dl className="source-facts">
        {source.kind === "timeseries" && (
          <div>
            <dt>Metrics</dt>
            <dd>{sink.metrics && sink.metrics.length > 0 ? sink.metrics.join(", ") : "All"}</dd>
          </div>
        )}
        <div>
          <dt>Batches</dt>
          <dd>
            Up to {formatCount(sink.maxBatch)} rows, waiting {formatLatency(sink.batchMs)}
          </dd>
        </div>
        <div>
          <dt>Delivered</dt>
          <dd>
            Up to live seq {formatCount(sink.deliveredSeq)}; next batch #{formatCount(sink.nextSequence)}
          </dd>
        </div>
        {hasFilter && (
          <div className="source-facts-wide">
            <dt>Filter</dt>
            <dd>
              <code className="sink-filter-inline">{JSON.stringify(sink.filter)}</code>
            </dd>
          </div>
        )}
      </dl>
      <div className="row-actions">
        <Button
          size="sm"
          aria-describedby={nameId}
          disabled={test.isPending}
          aria-busy={test.isPending}
          onClick={() => {
            setTestedUrl(sink.url);
            test.mutate(sink.id);
          }}
        >
          {test.isPending ? "Sending…" : "Send test"}
        </Button>
        {paused && (
          <Button
            size="sm"
            variant="primary"
            aria-describedby={nameId}
            disabled={resume.isPending}
            aria-busy={resume.isPending}
            onClick={() => resume.mutate(sink.id)}
          >
            {resume.isPending ? "Resuming…" : "Resume"}
          </Button>
        )}
        <Button ref={editRef} size="sm" aria-describedby={nameId} onClick={onEdit}>
          Edit
        </Button>
        <Button size="sm" variant="ghost" aria-describedby={nameId} onClick={() => setConfirming(true)}>
          Delete
        </Button>
      </div>
      {testCurrent && <SinkTestView result={test.data} pending={test.isPending} />}
      {testCurrent && test.error && (
        <p role="alert" className="inline-error">
          {errorMessage(test.error)}
        </p>
      )}
      {resume.error && (
        <p role="alert" className="inline-error">
          {errorMessage(resume.error)}
        </p>
      )}
      <SinkDeliveries source={source.name} sink={sink} nameId={nameId} />
      <ConfirmDialog
        open={confirming}
        title="Delete sink?"
        description={`The sink to ${sink.url} is deleted with its secret and its batches; nothing more is sent to it.`}
        confirmLabel="Delete sink"
        busy={remove.isPending}
        error={remove.error}
        onConfirm={() =>
          remove.mutate(sink.id, {
            onSuccess: () => {
              setConfirming(false);
              onDeleted();
            },
          })
        }
        onCancel={() => {
          remove.reset();
          setConfirming(false);
        }}
      />
    </li>
  );
}

/** A test event's outcome in a sentence: delivered with the receiver's status and the latency, or why not. */
function SinkTestView({ result, pending }: { result: SinkTestResult | undefined; pending: boolean }) {
  if (!pending && !result) return null;
  const status = result?.httpStatus ? `HTTP ${result.httpStatus}` : "no HTTP status";
  return (
    <div role="status" className="test-result">
      {pending ? (
        <p className="test-result-pending">Sending a test event…</p>
      ) : result?.delivered ? (
        <p className="test-result-ok">
          <strong>Test delivered</strong>: {status} in {formatLatency(result.latencyMs)}.
        </p>
      ) : result ? (
        <p className="test-result-failed">
          <strong>Test not delivered</strong>: {status} after {formatLatency(result.latencyMs)}
          {result.error ? `: ${result.error}` : "."}
        </p>
      ) : null}
    </div>
  );
}
