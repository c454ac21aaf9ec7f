import { useId, useState } from "react";
import { Button } from "../../../components/ui/Button";
import { ConfirmDialog } from "../../../components/ui/ConfirmDialog";
import { errorMessage } from "../../../lib/api-client";
import { formatInstant } from "../../../lib/format";
import type { Template } from "../../../lib/templates";
import { useDeleteTemplate } from "../api/delete-template";
import { useRunTemplate } from "../api/run-template";
import { summarizeRequest } from "../utils/template-request";
import { TemplateFormDialog, type TemplateRequestEditor } from "./TemplateFormDialog";
import { TemplateRunStatus } from "./TemplateRunStatus";
import { TemplateVersionsDialog } from "./TemplateVersionsDialog";

/** The table's columns, in order; the first is the row header. */
export const TEMPLATE_COLUMNS = ["Template", "Export", "Time range", "Version", "Updated", "Actions"] as const;

export interface TemplateRowProps {
  template: Template;
  /** The Schedules page's new-schedule form for a template; no "Schedule" link without it. */
  scheduleHref?: ((templateId: string) => string) | undefined;
  /** The export steps for editing a series request (see TemplateFormDialog). */
  requestEditor?: TemplateRequestEditor | undefined;
}

/**
 * One template, named by its name: what it exports, its version, and Run now (followed live until its file can be
 * downloaded), Edit, History, Schedule and Delete.
 */
export function TemplateRow({ template, scheduleHref, requestEditor }: TemplateRowProps) {
  const nameId = useId();
  const run = useRunTemplate();
  const remove = useDeleteTemplate();
  const [dialog, setDialog] = useState<"edit" | "versions" | "delete" | null>(null);
  const summary = summarizeRequest(template.request);
  const close = () => setDialog(null);

  return (
    <tr aria-labelledby={nameId}>
      <th scope="row">
        <div className="export-cell">
          <span id={nameId} className="template-name">
            {template.name}
          </span>
          {template.description && <span className="export-title">{template.description}</span>}
        </div>
      </th>
      <td>{summary.what}</td>
      <td>{summary.range}</td>
      <td className="num">{template.version}</td>
      <td>
        <time dateTime={template.updatedAt}>{formatInstant(template.updatedAt)}</time>
      </td>
      <td>
        <div className="row-actions-cell">
          <div className="row-actions">
            <Button
              size="sm"
              variant="primary"
              aria-describedby={nameId}
              disabled={run.isPending}
              onClick={() => run.mutate({ id: template.id })}
            >
              Run now
            </Button>
            <Button size="sm" aria-describedby={nameId} onClick={() => setDialog("edit")}>
              Edit
            </Button>
            <Button size="sm" aria-describedby={nameId} onClick={() => setDialog("versions")}>
              History
            </Button>
            {scheduleHref && (
              <a className="btn btn-secondary btn-sm" href={scheduleHref(template.id)} aria-describedby={nameId}>
                Schedule
              </a>
            )}
            <Button size="sm" variant="ghost" aria-describedby={nameId} onClick={() => setDialog("delete")}>
              Delete
            </Button>
          </div>
          {run.data && <TemplateRunStatus key={run.data.id} job={run.data} />}
          {run.isError && (
            <p role="alert" className="inline-error">
              {errorMessage(run.error)}
            </p>
          )}
        </div>
        <TemplateFormDialog open={dialog === "edit"} template={template} onClose={close} requestEditor={requestEditor} />
        <TemplateVersionsDialog open={dialog === "versions"} template={template} onClose={close} />
        <ConfirmDialog
          open={dialog === "delete"}
          title="Delete template?"
          description={`“${template.name}” is deleted with its earlier versions and its schedules. Exports it already made stay in History.`}
          confirmLabel="Delete template"
          busy={remove.isPending}
          error={remove.error}
          onConfirm={() => remove.mutate(template.id, { onSuccess: close })}
          onCancel={() => {
            remove.reset();
            close();
          }}
        />
      </td>
    </tr>
  );
}
