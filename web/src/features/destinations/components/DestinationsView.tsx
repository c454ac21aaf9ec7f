import { useId, useState } from "react";
import { QueryState } from "../../../components/QueryState";
import { Button } from "../../../components/ui/Button";
import type { Destination } from "../../../lib/destinations";
import { useDestinations } from "../api/list-destinations";
import { DestinationForm } from "./DestinationForm";
import { DESTINATION_COLUMNS, DestinationRow } from "./DestinationRow";
import "./destinations.css";

type Editor = { mode: "new" } | { mode: "edit"; destination: Destination };

/** Where exports go once they finish: the list, and the new/edit form. Schedules and the export dialog pick them. */
export function DestinationsView() {
  const titleId = useId();
  const destinations = useDestinations();
  const [editor, setEditor] = useState<Editor | null>(null);
  const [notice, setNotice] = useState("");

  const saved = (destination: Destination) => {
    setNotice(`Saved “${destination.name}”.`);
    setEditor(null);
  };

  return (
    <section className="destinations content" aria-labelledby={titleId}>
      <div className="toolbar">
        <div className="stack-tight">
          <h1 id={titleId} className="page-title">
            Destinations
          </h1>
          <p className="muted">
            Where finished exports are delivered: e-mail, a webhook, an S3 bucket or an SFTP server. Choose them in a
            schedule, or in the export dialog when it runs in the background.
          </p>
        </div>
        <div className="toolbar-actions">
          <Button
            variant="primary"
            disabled={editor?.mode === "new"}
            onClick={() => {
              setNotice("");
              setEditor({ mode: "new" });
            }}
          >
            New destination
          </Button>
        </div>
      </div>
      <p role="status" className="field-hint page-notice">
        {notice}
      </p>

      {editor && (
        <div className="card">
          <DestinationForm
            key={editor.mode === "edit" ? editor.destination.id : "new"}
            destination={editor.mode === "edit" ? editor.destination : undefined}
            onSaved={saved}
            onCancel={() => setEditor(null)}
          />
        </div>
      )}

      <div className="card stack">
        <DestinationList
          destinations={destinations}
          onEdit={(destination) => {
            setNotice("");
            setEditor({ mode: "edit", destination });
          }}
          onDeleted={(destination) => {
            setNotice(`Deleted “${destination.name}”.`);
            setEditor((current) => (current?.mode === "edit" && current.destination.id === destination.id ? null : current));
          }}
        />
      </div>
    </section>
  );
}

interface DestinationListProps {
  destinations: ReturnType<typeof useDestinations>;
  onEdit: (destination: Destination) => void;
  onDeleted: (destination: Destination) => void;
}

function DestinationList({ destinations, onEdit, onDeleted }: DestinationListProps) {
  if (destinations.data === undefined) return <QueryState query={destinations} loading="Loading destinations…" failed="The destinations could not be loaded." />;
  if (destinations.data.length === 0) {
    return <p className="empty">No destinations yet. Choose “New destination” to send exports by e-mail, webhook, S3 or SFTP.</p>;
  }

  return (
    <div className="table-scroll history-table destinations-list" tabIndex={0} role="region" aria-label="Destinations" aria-busy={destinations.isFetching}>
      <table className="table">
        <thead>
          <tr>
            {DESTINATION_COLUMNS.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {destinations.data.map((destination) => (
            <DestinationRow
              key={destination.id}
              destination={destination}
              onEdit={() => onEdit(destination)}
              onDeleted={() => onDeleted(destination)}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}
