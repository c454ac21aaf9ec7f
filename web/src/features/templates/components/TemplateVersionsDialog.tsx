import { useId, useState } from "react";
import { Button } from "../../../components/ui/Button";
import { Dialog } from "../../../components/ui/Dialog";
import { TextArea } from "../../../components/ui/TextArea";
import { errorMessage } from "../../../lib/api-client";
import { formatInstant } from "../../../lib/format";
import type { Template, TemplateVersion } from "../../../lib/templates";
import { useTemplate, useTemplateVersion } from "../api/get-template";
import { requestText } from "../utils/template-request";

export interface TemplateVersionsDialogProps {
  open: boolean;
  template: Template;
  onClose: () => void;
}

/** Every saved version of a template; choosing one shows its name, description and request, read-only. */
export function TemplateVersionsDialog({ open, template, onClose }: TemplateVersionsDialogProps) {
  return (
    <Dialog open={open} onClose={onClose} title={`Versions of ${template.name}`} size="lg">
      <div className="dialog-body">
        <Versions id={template.id} />
      </div>
      <footer className="dialog-footer">
        <span className="spacer" />
        <Button onClick={onClose}>Close</Button>
      </footer>
    </Dialog>
  );
}

function Versions({ id }: { id: string }) {
  const detail = useTemplate(id);
  const [selected, setSelected] = useState<number>();
  const current = detail.data;
  const chosen = selected ?? current?.version;
  // The current version is the template itself; an earlier one is read from /versions/{n}.
  const earlier = useTemplateVersion(id, current && chosen !== current.version ? chosen : undefined);

  if (detail.isPending) {
    return <p role="status">Loading versions…</p>;
  }
  if (!current) {
    return <p role="alert">{errorMessage(detail.error)}</p>;
  }
  const shown = chosen === current.version ? current : earlier.data;
  const versions = current.versions ?? [{ version: current.version, savedAt: current.updatedAt }];

  return (
    <div className="versions">
      <ol className="version-list" aria-label="Versions">
        {versions.map((version) => (
          <VersionItem
            key={version.version}
            version={version}
            current={version.version === current.version}
            selected={version.version === chosen}
            onSelect={() => setSelected(version.version)}
          />
        ))}
      </ol>
      <div className="stack-tight version-detail">
        {shown ? (
          <>
            <dl className="summary">
              <div>
                <dt>Name</dt>
                <dd>{shown.name}</dd>
              </div>
              <div>
                <dt>Description</dt>
                <dd>{shown.description || "–"}</dd>
              </div>
            </dl>
            <TextArea
              label={`Request (JSON) of version ${shown.version}`}
              value={requestText(shown.request)}
              onChange={() => undefined}
              readOnly
              rows={16}
              spellCheck={false}
            />
          </>
        ) : earlier.isError ? (
          <p role="alert">{errorMessage(earlier.error)}</p>
        ) : (
          <p role="status">Loading version {chosen}…</p>
        )}
      </div>
    </div>
  );
}

function VersionItem({
  version,
  current,
  selected,
  onSelect,
}: {
  version: TemplateVersion;
  current: boolean;
  selected: boolean;
  onSelect: () => void;
}) {
  const savedId = useId();
  return (
    <li>
      <button type="button" className="version-item" aria-pressed={selected} aria-describedby={savedId} onClick={onSelect}>
        Version {version.version}
        {current && " (current)"}
      </button>
      <span id={savedId} className="field-hint">
        Saved {formatInstant(version.savedAt)}
      </span>
    </li>
  );
}
