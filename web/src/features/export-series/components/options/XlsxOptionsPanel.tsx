import { useState } from "react";
import { Button } from "../../../../components/ui/Button";
import { Checkbox } from "../../../../components/ui/Checkbox";
import { Field } from "../../../../components/ui/Field";
import { Select } from "../../../../components/ui/Select";
import { TextInput } from "../../../../components/ui/TextInput";
import type { ConditionalFormatting } from "../../../../lib/export-request";
import { formatBytes } from "../../../../lib/format";
import { XLSX_LIMITS, type XlsxSettings, type XlsxTemplate } from "../../utils/format-defaults";
import { NumberField, type FieldErrorsOf } from "./CommonFields";

const XLSX_TYPES = ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/** A file's bytes as base64 (what the request's `template` carries). */
function readAsBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(",") + 1));
    };
    reader.onerror = () => reject(reader.error ?? new Error("The file could not be read."));
    reader.readAsDataURL(file);
  });
}

export interface XlsxOptionsPanelProps {
  value: XlsxSettings;
  onChange: (value: XlsxSettings) => void;
  errorsOf: FieldErrorsOf;
}

export function XlsxOptionsPanel({ value, onChange, errorsOf }: XlsxOptionsPanelProps) {
  const set = <K extends keyof XlsxSettings>(key: K, next: XlsxSettings[K]) => onChange({ ...value, [key]: next });
  const [readError, setReadError] = useState<string>();
  // Remounts the file input after "Remove template" (a file input's value cannot be set).
  const [fileInputKey, setFileInputKey] = useState(0);

  const chooseTemplate = async (file: File | undefined) => {
    setReadError(undefined);
    if (!file) return;
    if (!file.name.toLowerCase().endsWith(".xlsx")) {
      setReadError("Choose an Excel workbook (.xlsx).");
      return;
    }
    try {
      const template: XlsxTemplate = { name: file.name, size: file.size, base64: await readAsBase64(file) };
      onChange({ ...value, template });
    } catch (error) {
      setReadError(error instanceof Error ? error.message : "The file could not be read.");
    }
  };

  const removeTemplate = () => {
    onChange({ ...value, template: null, templateSheet: "" });
    setReadError(undefined);
    setFileInputKey((key) => key + 1);
  };

  const templateErrors = [...(readError ? [readError] : []), ...(errorsOf("template") ?? [])];

  return (
    <div className="options-grid">
      <TextInput
        label="Excel sheet name"
        value={value.sheetName}
        spellCheck={false}
        onChange={(sheetName) => set("sheetName", sheetName)}
        hint={`Up to ${XLSX_LIMITS.sheetName} characters, none of [ ] : * ? / \\. Long exports continue on "${value.sheetName.trim() || "Data"} (2)".`}
        errors={errorsOf("sheetName")}
      />
      <NumberField
        label="Rows per sheet"
        value={value.rowsPerSheet}
        onChange={(rowsPerSheet) => set("rowsPerSheet", rowsPerSheet)}
        min={XLSX_LIMITS.rowsPerSheet.min}
        max={XLSX_LIMITS.rowsPerSheet.max}
        hint="1,048,575 (Excel's limit) by default."
        errors={errorsOf("rowsPerSheet")}
      />
      <TextInput label="Workbook title" value={value.title} onChange={(title) => set("title", title)} errors={errorsOf("title")} />
      <TextInput label="Author" value={value.author} onChange={(author) => set("author", author)} errors={errorsOf("author")} />
      <TextInput
        label="Date format"
        value={value.dateFormat}
        spellCheck={false}
        onChange={(dateFormat) => set("dateFormat", dateFormat)}
        hint="Excel format code for time columns, e.g. yyyy-mm-dd hh:mm:ss."
        errors={errorsOf("dateFormat")}
      />
      <TextInput
        label="Number format"
        value={value.numberFormat}
        spellCheck={false}
        onChange={(numberFormat) => set("numberFormat", numberFormat)}
        hint="Excel format code for decimals, e.g. #,##0.00. Cells keep full precision."
        errors={errorsOf("numberFormat")}
      />
      <Select<ConditionalFormatting>
        label="Conditional formatting"
        value={value.conditionalFormatting}
        options={[
          { value: "colorScale", label: "Color scale: low to high" },
          { value: "threshold", label: "Highlight values above a threshold" },
          { value: "none", label: "None" },
        ]}
        onChange={(conditionalFormatting) => set("conditionalFormatting", conditionalFormatting)}
        errors={errorsOf("conditionalFormatting")}
      />
      {value.conditionalFormatting === "threshold" ? (
        <NumberField
          label="Threshold"
          value={value.threshold}
          step="any"
          onChange={(threshold) => set("threshold", threshold)}
          hint="Values above it are highlighted."
          errors={errorsOf("threshold")}
        />
      ) : (
        <span aria-hidden="true" />
      )}
      <div className="span-2 options-grid">
        <div className="stack-tight">
          <Checkbox label="Freeze the header row" checked={value.freezeHeader} onChange={(freezeHeader) => set("freezeHeader", freezeHeader)} />
          <Checkbox label="Filter buttons on the header" checked={value.autoFilter} onChange={(autoFilter) => set("autoFilter", autoFilter)} />
          <Checkbox label="Shade alternate rows" checked={value.alternateRows} onChange={(alternateRows) => set("alternateRows", alternateRows)} />
        </div>
        <div className="stack-tight">
          <Checkbox
            label="Include summary sheet"
            hint="Count, sum, mean, min and max as formulas over the data."
            checked={value.summary}
            onChange={(summary) => set("summary", summary)}
          />
          <Checkbox
            label="Include chart"
            hint="A native Excel line chart of the series."
            checked={value.chart}
            onChange={(chart) => set("chart", chart)}
          />
          <Checkbox
            label="Include pivot sheet"
            hint="Series against time, one column per series."
            checked={value.pivot}
            onChange={(pivot) => set("pivot", pivot)}
          />
        </div>
      </div>
      <Field
        label="Template workbook"
        hint={
          value.template
            ? `Using ${value.template.name} (${formatBytes(value.template.size)}).`
            : "Optional: your own .xlsx whose styles and other sheets are kept."
        }
        errors={templateErrors.length > 0 ? templateErrors : undefined}
      >
        {(control) => (
          <div className="template-input">
            <input
              key={fileInputKey}
              {...control}
              type="file"
              accept={XLSX_TYPES}
              onChange={(event) => void chooseTemplate(event.target.files?.[0])}
            />
            {value.template && (
              <Button size="sm" variant="ghost" onClick={removeTemplate}>
                Remove template
              </Button>
            )}
          </div>
        )}
      </Field>
      <TextInput
        label="Template sheet"
        value={value.templateSheet}
        disabled={!value.template}
        spellCheck={false}
        onChange={(templateSheet) => set("templateSheet", templateSheet)}
        hint="The template's sheet that receives the data."
        errors={errorsOf("templateSheet")}
      />
    </div>
  );
}
