import { useState } from "react";
import { DeliveryList } from "../../../components/DeliveryList";
import { isFinalStatus, type JobRecord } from "../../../lib/export-jobs";
import { useExportDeliveries } from "../api/list-deliveries";
import { RowDisclosure } from "./RowDisclosure";

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
  const [open, setOpen] = useState(false);
  const deliveries = useExportDeliveries(job, expected, open, pollMs);
  const empty = !isFinalStatus(job.status)
    ? `Sent to ${expected === 1 ? "its destination" : `its ${expected} destinations`} once the export completes.`
    : job.status === "completed"
      ? "Starting…"
      : "None: the export did not complete.";

  return (
    <RowDisclosure label="Deliveries" nameId={nameId} open={open} onToggle={() => setOpen(!open)} query={deliveries} empty={empty}>
      {(items) => <DeliveryList deliveries={items} label={`Deliveries of ${job.fileName}`} />}
    </RowDisclosure>
  );
}
