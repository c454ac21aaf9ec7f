import { useId, useState } from "react";
import { QueryState } from "../../../components/QueryState";
import { Button } from "../../../components/ui/Button";
import { TextInput } from "../../../components/ui/TextInput";
import { useDebouncedValue } from "../../../lib/use-debounced-value";
import { useTemplates } from "../api/list-templates";
import { TemplateFormDialog, type TemplateRequestEditor } from "./TemplateFormDialog";
import { TEMPLATE_COLUMNS, TemplateRow } from "./TemplateRow";

export interface TemplatesViewProps {
  /** Delay before a typed search is applied; tests pass 0. */
  searchDelayMs?: number;
  /** The Schedules page's new-schedule form for a template. */
  scheduleHref?: (templateId: string) => string;
  /** The export dialog's steps for editing a series request, composed in by the page. */
  requestEditor?: TemplateRequestEditor;
}

/** Saved exports by name: search, run now, edit (a new version), version history, schedule, delete, new. */
export function TemplatesView({ searchDelayMs = 300, scheduleHref, requestEditor }: TemplatesViewProps) {
  const titleId = useId();
  const [search, setSearch] = useState("");
  const [creating, setCreating] = useState(false);
  // Typing a search should not fetch once per key.
  const applied = useDebouncedValue(search.trim(), searchDelayMs);
  const templates = useTemplates(applied);

  return (
    <section className="templates content" aria-labelledby={titleId}>
      <div className="toolbar">
        <div className="stack-tight">
          <h1 id={titleId} className="page-title">
            Templates
          </h1>
          <p className="muted">Saved exports to run again, now or on a schedule. Editing one keeps its earlier versions.</p>
        </div>
        <div className="toolbar-actions">
          <Button variant="primary" onClick={() => setCreating(true)}>
            New template
          </Button>
        </div>
      </div>
      <div className="card stack">
        <div className="options-bar">
          <TextInput
            type="search"
            label="Search templates"
            value={search}
            placeholder="Name or description"
            autoComplete="off"
            onChange={setSearch}
          />
        </div>
        <TemplateList templates={templates} search={applied} scheduleHref={scheduleHref} requestEditor={requestEditor} />
      </div>
      <TemplateFormDialog open={creating} onClose={() => setCreating(false)} requestEditor={requestEditor} />
    </section>
  );
}

interface TemplateListProps {
  templates: ReturnType<typeof useTemplates>;
  search: string;
  scheduleHref: ((templateId: string) => string) | undefined;
  requestEditor: TemplateRequestEditor | undefined;
}

function TemplateList({ templates, search, scheduleHref, requestEditor }: TemplateListProps) {
  if (templates.data === undefined) return <QueryState query={templates} loading="Loading templates…" failed="The templates could not be loaded." />;
  if (templates.data.length === 0) {
    return (
      <p className="empty">
        {search
          ? `No templates match “${search}”.`
          : "No templates yet. Choose “Save as template” on the last step of the export dialog, or create one here."}
      </p>
    );
  }

  return (
    <div className="table-scroll templates-table" tabIndex={0} role="region" aria-label="Templates" aria-busy={templates.isFetching}>
      <table className="table">
        <thead>
          <tr>
            {TEMPLATE_COLUMNS.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {templates.data.map((template) => (
            <TemplateRow key={template.id} template={template} scheduleHref={scheduleHref} requestEditor={requestEditor} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
