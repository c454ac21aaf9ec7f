import { useId, useState } from "react";
import { QueryState } from "../../../components/QueryState";
import { Button } from "../../../components/ui/Button";
import type { Template } from "../../../lib/templates";
import { useSchedules } from "../api/list-schedules";
import { useTemplateChoices } from "../api/list-templates";
import type { Schedule } from "../api/schedule";
import { RunHistory } from "./RunHistory";
import { ScheduleForm } from "./ScheduleForm";
import { SCHEDULE_COLUMNS, ScheduleRow } from "./ScheduleRow";
import "./schedules.css";
import { ScheduleSaved } from "./ScheduleSaved";

export interface SchedulesViewProps {
  /** Opens the new-schedule form with this template chosen. */
  template?: string | undefined;
  /** The Templates page, offered when there is nothing to schedule yet. */
  templatesHref?: string | undefined;
  /** The Destinations page, offered when there is nowhere to deliver yet. */
  destinationsHref?: string | undefined;
  /** How often run history is read again while an export runs or a delivery is under way; tests pass less. */
  runsPollMs?: number;
}

type Editor =
  | { mode: "new"; templateId?: string | undefined }
  | { mode: "edit"; schedule: Schedule }
  | { mode: "saved"; schedule: Schedule; created: boolean };

/** Templates run on a frequency: the list, the new/edit form with the next runs it gives, and run history. */
export function SchedulesView({ template, templatesHref, destinationsHref, runsPollMs }: SchedulesViewProps) {
  const titleId = useId();
  const runsId = useId();
  const schedules = useSchedules();
  const templates = useTemplateChoices();
  const [editor, setEditor] = useState<Editor | null>(template ? { mode: "new", templateId: template } : null);
  const [runsOf, setRunsOf] = useState<string | null>(null);
  const shownRuns = schedules.data?.find((schedule) => schedule.id === runsOf);

  return (
    <section className="schedules content" aria-labelledby={titleId}>
      <div className="toolbar">
        <div className="stack-tight">
          <h1 id={titleId} className="page-title">
            Schedules
          </h1>
          <p className="muted">Templates that run by themselves. Each run is a background export: its file waits in History.</p>
        </div>
        <div className="toolbar-actions">
          <Button variant="primary" disabled={editor?.mode === "new"} onClick={() => setEditor({ mode: "new" })}>
            New schedule
          </Button>
        </div>
      </div>

      {editor && (
        <div className="card">
          {editor.mode === "saved" ? (
            <ScheduleSaved schedule={editor.schedule} created={editor.created} onDone={() => setEditor(null)} />
          ) : (
            <ScheduleForm
              key={editor.mode === "edit" ? editor.schedule.id : "new"}
              schedule={editor.mode === "edit" ? editor.schedule : undefined}
              initialTemplateId={editor.mode === "new" ? editor.templateId : undefined}
              templates={templates.data}
              templatesHref={templatesHref}
              destinationsHref={destinationsHref}
              onSaved={(schedule) => setEditor({ mode: "saved", schedule, created: editor.mode === "new" })}
              onCancel={() => setEditor(null)}
            />
          )}
        </div>
      )}

      <div className="card stack">
        <ScheduleList
          schedules={schedules}
          templates={templates.data}
          runsOf={runsOf}
          runsId={runsId}
          onShowRuns={(id) => setRunsOf((current) => (current === id ? null : id))}
          onEdit={(schedule) => setEditor({ mode: "edit", schedule })}
          onDeleted={(id) => setRunsOf((current) => (current === id ? null : current))}
        />
      </div>

      {shownRuns && (
        <div className="card">
          <RunHistory key={shownRuns.id} id={runsId} schedule={shownRuns} pollMs={runsPollMs} onClose={() => setRunsOf(null)} />
        </div>
      )}
    </section>
  );
}

interface ScheduleListProps {
  schedules: ReturnType<typeof useSchedules>;
  templates: Template[] | undefined;
  runsOf: string | null;
  runsId: string;
  onShowRuns: (id: string) => void;
  onEdit: (schedule: Schedule) => void;
  onDeleted: (id: string) => void;
}

function ScheduleList({ schedules, templates, runsOf, runsId, onShowRuns, onEdit, onDeleted }: ScheduleListProps) {
  if (schedules.data === undefined) return <QueryState query={schedules} loading="Loading schedules…" failed="The schedules could not be loaded." />;
  if (schedules.data.length === 0) {
    return <p className="empty">No schedules yet. Choose “New schedule”, or “Schedule this export…” in the export dialog.</p>;
  }

  const names = new Map(templates?.map((template) => [template.id, template.name]));
  return (
    <div className="table-scroll history-table schedules-list" tabIndex={0} role="region" aria-label="Schedules" aria-busy={schedules.isFetching}>
      <table className="table">
        <thead>
          <tr>
            {SCHEDULE_COLUMNS.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {schedules.data.map((schedule) => (
            <ScheduleRow
              key={schedule.id}
              schedule={schedule}
              templateName={templates ? (names.get(schedule.templateId) ?? null) : undefined}
              runsShown={runsOf === schedule.id}
              runsId={runsId}
              onShowRuns={() => onShowRuns(schedule.id)}
              onEdit={() => onEdit(schedule)}
              onDeleted={() => onDeleted(schedule.id)}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}
