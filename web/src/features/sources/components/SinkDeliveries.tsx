import { useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { Button } from "../../../components/ui/Button";
import { errorMessage } from "../../../lib/api-client";
import { formatCount, formatInstantPrecise } from "../../../lib/format";
import { useSinkDeliveries } from "../api/list-sink-deliveries";
import { sinksQueryKey, type Sink, type SinkDelivery } from "../api/sink";
import { formatLatency } from "../utils/snippet";

/** The API keeps a sink's last 100 batches and answers with them all. */
export const DELIVERIES_KEPT = 100;

export const DELIVERY_COLUMNS = ["Batch", "Live seqs", "Rows", "Status", "Attempts", "HTTP", "Latency", "Created", "Delivered", "Last error", "Note"] as const;

const STATUS_LABELS: Record<SinkDelivery["status"], string> = { pending: "Pending", delivered: "Delivered", failed: "Failed" };
const STATUS_CLASSES: Record<SinkDelivery["status"], string> = {
  pending: "status-processing",
  delivered: "status-completed",
  failed: "status-failed",
};

/** A "Deliveries" disclosure: the sink's latest batches, newest first, read when opened and on Refresh (which reads
 * the sinks again too, so a sink's state, paused or failing, is current beside its batches). */
export function SinkDeliveries({ source, sink, nameId }: { source: string; sink: Sink; nameId: string }) {
  const [open, setOpen] = useState(false);
  const listId = useId();
  const deliveries = useSinkDeliveries(source, sink.id, open);
  const queryClient = useQueryClient();

  return (
    <div className="sink-deliveries">
      <div className="row-actions">
        <Button size="sm" variant="ghost" aria-expanded={open} aria-controls={open ? listId : undefined} aria-describedby={nameId} onClick={() => setOpen(!open)}>
          Deliveries
        </Button>
        {open && (
          <Button
            size="sm"
            variant="ghost"
            aria-describedby={nameId}
            disabled={deliveries.isFetching}
            aria-busy={deliveries.isFetching}
            onClick={() => void queryClient.invalidateQueries({ queryKey: sinksQueryKey(source) })}
          >
            {deliveries.isFetching ? "Refreshing…" : "Refresh"}
          </Button>
        )}
      </div>
      {open && (
        <div id={listId}>
          {deliveries.isPending ? (
            <p role="status" className="field-hint">
              Loading deliveries…
            </p>
          ) : deliveries.data === undefined ? (
            <p role="alert" className="inline-error">
              {errorMessage(deliveries.error)}
            </p>
          ) : deliveries.data.length === 0 ? (
            <p className="field-hint">No deliveries yet: a batch is sent once rows are ingested after the sink was added.</p>
          ) : (
            <>
              {deliveries.data.length >= DELIVERIES_KEPT && (
                <p className="field-hint">The latest {DELIVERIES_KEPT} batches: older ones are not kept.</p>
              )}
              <div className="table-scroll card-table sink-deliveries-table" role="region" aria-label={`Deliveries to ${sink.url}`} tabIndex={0}>
                <table className="table">
                  <thead>
                    <tr>
                      {DELIVERY_COLUMNS.map((column) => (
                        <th key={column} scope="col">
                          {column}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {deliveries.data.map((delivery) => (
                      <DeliveryRow key={delivery.sequence} delivery={delivery} />
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </div>
      )}
    </div>
  );
}

function DeliveryRow({ delivery }: { delivery: SinkDelivery }) {
  return (
    <tr>
      <th scope="row">#{delivery.sequence}</th>
      <td data-label="Live seqs">{delivery.fromSeq === delivery.toSeq ? delivery.fromSeq : `${delivery.fromSeq}–${delivery.toSeq}`}</td>
      <td data-label="Rows">{formatCount(delivery.rows)}</td>
      <td data-label="Status">
        <span className={`status-badge ${STATUS_CLASSES[delivery.status]}`}>{STATUS_LABELS[delivery.status]}</span>
      </td>
      <td data-label="Attempts">{delivery.attempts}</td>
      <td data-label="HTTP">{delivery.httpStatus ?? "–"}</td>
      <td data-label="Latency">{formatLatency(delivery.latencyMs)}</td>
      <td data-label="Created">
        <time dateTime={delivery.createdAt}>{formatInstantPrecise(delivery.createdAt)}</time>
      </td>
      <td data-label="Delivered">
        {delivery.deliveredAt ? <time dateTime={delivery.deliveredAt}>{formatInstantPrecise(delivery.deliveredAt)}</time> : "–"}
      </td>
      <td data-label="Last error" className="wrap">
        {delivery.lastError ?? "–"}
      </td>
      <td data-label="Note" className="wrap">
        {delivery.note ?? "–"}
      </td>
    </tr>
  );
}
