import { useId, useState } from "react";
import { Button } from "../../../components/ui/Button";
import { ConfirmDialog } from "../../../components/ui/ConfirmDialog";
import { destinationKindLabel, type Destination } from "../../../lib/destinations";
import { formatInstant } from "../../../lib/format";
import { useDeleteDestination } from "../api/delete-destination";
import { describeSecrets, describeTarget } from "../utils/labels";

/** The table's columns, in order; the first is the row header. */
export const DESTINATION_COLUMNS = ["Destination", "Kind", "Where", "Secrets", "Updated", "Actions"] as const;

export interface DestinationRowProps {
  destination: Destination;
  onEdit: () => void;
  onDeleted: () => void;
}

/** One destination, named by its name: where it sends files, which secrets are set, and Edit and Delete. */
export function DestinationRow({ destination, onEdit, onDeleted }: DestinationRowProps) {
  const nameId = useId();
  const remove = useDeleteDestination();
  const [confirming, setConfirming] = useState(false);
  const secrets = describeSecrets(destination.secrets);

  return (
    <tr aria-labelledby={nameId}>
      <th scope="row">
        <span id={nameId} className="template-name">
          {destination.name}
        </span>
      </th>
      <td>{destinationKindLabel(destination.kind)}</td>
      <td>
        <span className="destination-target">{describeTarget(destination)}</span>
      </td>
      <td>{secrets ?? <span className="muted">None</span>}</td>
      <td>
        <time dateTime={destination.updatedAt}>{formatInstant(destination.updatedAt)}</time>
      </td>
      <td>
        <div className="row-actions">
          <Button size="sm" aria-describedby={nameId} onClick={onEdit}>
            Edit
          </Button>
          <Button size="sm" variant="ghost" aria-describedby={nameId} onClick={() => setConfirming(true)}>
            Delete
          </Button>
        </div>
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
