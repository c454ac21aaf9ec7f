import { useId, useState } from "react";
import { Button } from "../../../components/ui/Button";
import { ConfirmDialog } from "../../../components/ui/ConfirmDialog";
import { destinationKindLabel, type Destination } from "../../../lib/destinations";
import { errorMessage } from "../../../lib/api-client";
import { formatInstant } from "../../../lib/format";
import { useDeleteDestination } from "../api/delete-destination";
import { useTestDestination } from "../api/test-destination";
import { describeSecrets, describeTarget } from "../utils/labels";
import { TestResultView } from "./TestResultView";

/** The table's columns, in order; the first is the row header. */
export const DESTINATION_COLUMNS = ["Destination", "Kind", "Where", "Secrets", "Updated", "Actions"] as const;

export interface DestinationRowProps {
  destination: Destination;
  onEdit: () => void;
  onDeleted: () => void;
}

/** One destination, named by its name: where it sends files, which secrets are set, and Send test, Edit and Delete.
 * Each cell names its column (data-label) for the card layout of narrow screens. */
export function DestinationRow({ destination, onEdit, onDeleted }: DestinationRowProps) {
  const nameId = useId();
  const remove = useDeleteDestination();
  const test = useTestDestination();
  const [confirming, setConfirming] = useState(false);
  const secrets = describeSecrets(destination.secrets);

  return (
    <tr aria-labelledby={nameId}>
      <th scope="row">
        <span id={nameId} className="template-name">
          {destination.name}
        </span>
      </th>
      <td data-label="Kind">{destinationKindLabel(destination.kind)}</td>
      <td data-label="Where">
        <span className="destination-target">{describeTarget(destination)}</span>
      </td>
      <td data-label="Secrets">{secrets ?? <span className="muted">None</span>}</td>
      <td data-label="Updated">
        <time dateTime={destination.updatedAt}>{formatInstant(destination.updatedAt)}</time>
      </td>
      <td className="destination-actions">
        <div className="row-actions">
          <Button
            size="sm"
            aria-describedby={nameId}
            disabled={test.isPending}
            aria-busy={test.isPending}
            onClick={() => test.mutate({ id: destination.id })}
          >
            {test.isPending ? "Sending…" : "Send test"}
          </Button>
          <Button size="sm" aria-describedby={nameId} onClick={onEdit}>
            Edit
          </Button>
          <Button size="sm" variant="ghost" aria-describedby={nameId} onClick={() => setConfirming(true)}>
            Delete
          </Button>
        </div>
        <TestResultView className="destination-row-test" result={test.data} pending={test.isPending} />
        {test.error && (
          <p role="alert" className="inline-error">
            {errorMessage(test.error)}
          </p>
        )}
        <ConfirmDialog
          open={confirming}
          title="Delete destination?"
          description={`“${destination.name}” is deleted with its secrets. Schedules that still deliver to it record a failed delivery until they are changed.`}
          confirmLabel="Delete destination"
          busy={remove.isPending}
          error={remove.error}
          onConfirm={() =>
            remove.mutate(destination.id, {
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
      </td>
    </tr>
  );
}
