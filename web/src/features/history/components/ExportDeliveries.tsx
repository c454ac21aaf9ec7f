import { useId, useState } from "react";
import { DeliveryList } from "../../../components/DeliveryList";
import { Button } from "../../../components/ui/Button";
import { errorMessage } from "../../../lib/api-client";
import { isFinalStatus, type JobRecord } from "../../../lib/export-jobs";
import { useExportDeliveries } from "../api/list-deliveries";

export interface ExportDeliveriesProps {
  job: JobRecord;
  /** How many destinations the export names. */
  expected: number;
  /** Id of the element naming the export, which describes the button. */
  nameId: string;
  pollMs?: number | undefined;
}

/** A "Deliveries" disclosure: where the export's file went, read when opened and kept current until settled. */
export function ExportDeliveries({ job, expected, nameId, pollMs }: ExportDeliveriesProps) {
  const listId = useId();
  const [open, setOpen] = useState(false);
  const deliveries = useExportDeliveries(job, expected, open, pollMs);

  return (
    <div className="export-deliveries">
      <Button
        size="sm"
        variant="ghost"
        aria-expanded={open}
        aria-controls={open ? listId : undefined}
        aria-describedby={nameId}
        onClick={() => setOpen(!open)}
      >
        Deliveries
      </Button>
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
            <p className="field-hint">
              {!isFinalStatus(job.status)
                ? `Sent to ${expected === 1 ? "its destination" : `its ${expected} destinations`} once the export completes.`
                : job.status === "completed"
                  ? "Starting…"
                  : "None: the export did not complete."}
            </p>
          ) : (
            <DeliveryList deliveries={deliveries.data} label={`Deliveries of ${job.fileName}`} />
          )}
        </div>
      )}
    </div>
  );
}
