import { useState } from "react";
import type { JobRecord } from "../../../lib/export-jobs";
import { formatInstant } from "../../../lib/format";
import { useExportTimeline } from "../api/get-timeline";
import { timelineLabel } from "../utils/labels";
import { RowDisclosure } from "./RowDisclosure";

export interface ExportTimelineProps {
  job: JobRecord;
  /** Id of the element naming the export, which describes the button. */
  nameId: string;
}

/**
 * A "Timeline" disclosure: the export's lifecycle, oldest first, read when opened and again when the live row's
 * status, attempts or node change. Each step is a list item with its label and local time; a step the server
 * reconstructed from the export's record (no event stream) says so.
 */
export function ExportTimeline({ job, nameId }: ExportTimelineProps) {
  const [open, setOpen] = useState(false);
  const timeline = useExportTimeline(job, open);

  return (
    <RowDisclosure label="Timeline" nameId={nameId} open={open} onToggle={() => setOpen(!open)} query={timeline} empty="No steps recorded.">
      {(steps) => (
        <ol className="delivery-list" aria-label={`Timeline of ${job.fileName || job.title}`}>
          {steps.map((step, index) => (
            <li key={`${index}-${step.type}-${step.at}`} className="delivery-item">
              <span className={step.type === "failed" || step.type === "retrying" ? "delivery-detail row-error" : "delivery-detail"}>
                {timelineLabel(step)}
              </span>
              <span className="export-title">
                <time dateTime={step.at}>{formatInstant(step.at)}</time>
                {step.synthesized && " · reconstructed from the record"}
              </span>
            </li>
          ))}
        </ol>
      )}
    </RowDisclosure>
  );
}
