import { TextInput } from "../../../../components/ui/TextInput";
import type { HtmlSettings } from "../../utils/format-defaults";
import type { FieldErrorsOf } from "./CommonFields";

/** Markdown has no options: one table, every row a line. */
export function MarkdownOptionsPanel() {
  return <p className="muted">Markdown has no options: the export is one table, a line per row. Keep it small enough to read.</p>;
}

/** Plain text has no options either: an aligned table, every row a line. */
export function TextOptionsPanel() {
  return (
    <p className="muted">
      Plain text has no options: the export is one table with aligned columns, a line per row, numbers on the right.
      Keep it small enough to read.
    </p>
  );
}

export function HtmlOptionsPanel({
  value,
  onChange,
  errorsOf,
}: {
  value: HtmlSettings;
  onChange: (value: HtmlSettings) => void;
  errorsOf: FieldErrorsOf;
}) {
  return (
    <div className="options-grid">
      <TextInput
        className="span-2"
        label="Page title"
        value={value.title}
        onChange={(title) => onChange({ ...value, title })}
        hint="Shown above the table and in the browser tab."
        errors={errorsOf("title")}
      />
    </div>
  );
}
