import { Select } from "../../../../components/ui/Select";
import { TextInput } from "../../../../components/ui/TextInput";
import { COMPRESSIONS, type Compression } from "../../../../lib/export-request";
import type { ExportSettings } from "../../utils/export-settings";
import { FORMAT_INFO } from "../../utils/format-defaults";
import type { ExportColumn } from "../../utils/validate-settings";
import type { FieldErrorsOf } from "../options/CommonFields";
import { DelimitedOptionsPanel } from "../options/DelimitedOptionsPanel";
import { JsonlOptionsPanel, JsonOptionsPanel } from "../options/JsonOptionsPanel";
import { ParquetOptionsPanel } from "../options/ParquetOptionsPanel";
import { HtmlOptionsPanel, MarkdownOptionsPanel, TextOptionsPanel } from "../options/TableOptionsPanel";
import { XlsxOptionsPanel } from "../options/XlsxOptionsPanel";

const COMPRESSION_LABELS: Record<Compression, string> = {
  none: "None",
  gzip: "gzip (.gz): opens everywhere",
  brotli: "Brotli (.br): smaller, slower",
  zstd: "Zstandard (.zst): small and fast",
};

export interface OptionsStepProps {
  source: string;
  settings: ExportSettings;
  onChange: (settings: ExportSettings) => void;
  /** Errors for a format option (client checks and server field errors). */
  optionErrors: FieldErrorsOf;
  /** Errors for a top-level request field such as compression or filename. */
  requestErrors: FieldErrorsOf;
  /** The export's columns (after renames and exclusions), once the preview knows them. */
  columns: readonly ExportColumn[] | undefined;
  /** The name the server will save the file under (from a preview of the whole request); undefined while asked. */
  fileName?: string | undefined;
  /** Shown under the file name instead of "Saved as …" (a template's name may use placeholders). */
  fileNameHint?: string | undefined;
}

/** Formats that compress inside the file: whole-file compression only costs time there. */
const COMPRESSION_HINTS: Partial<Record<ExportSettings["format"], string>> = {
  parquet: "Parquet compresses inside the file (Parquet compression above): leave this at None so any reader can open it.",
  xlsx: "An .xlsx workbook is already compressed: leave this at None so Excel can open it.",
};

export function OptionsStep({ source, settings, onChange, optionErrors, requestErrors, columns, fileName, fileNameHint }: OptionsStepProps) {
  const { format } = settings;

  return (
    <div className="stack">
      <section className="panel" aria-label={`${FORMAT_INFO[format].label} options`}>
        <h4 className="section-label">{FORMAT_INFO[format].label} options</h4>
        {(format === "csv" || format === "tsv") && (
          <DelimitedOptionsPanel
            format={format}
            value={settings[format]}
            onChange={(options) => onChange({ ...settings, [format]: options })}
            errorsOf={optionErrors}
          />
        )}
        {format === "json" && (
          <JsonOptionsPanel value={settings.json} onChange={(json) => onChange({ ...settings, json })} errorsOf={optionErrors} />
        )}
        {format === "jsonl" && (
          <JsonlOptionsPanel value={settings.jsonl} onChange={(jsonl) => onChange({ ...settings, jsonl })} errorsOf={optionErrors} />
        )}
        {format === "parquet" && (
          <ParquetOptionsPanel
            value={settings.parquet}
            onChange={(parquet) => onChange({ ...settings, parquet })}
            errorsOf={optionErrors}
            columns={columns}
          />
        )}
        {format === "xlsx" && (
          <XlsxOptionsPanel value={settings.xlsx} onChange={(xlsx) => onChange({ ...settings, xlsx })} errorsOf={optionErrors} />
        )}
        {format === "markdown" && <MarkdownOptionsPanel />}
        {format === "txt" && <TextOptionsPanel />}
        {format === "html" && (
          <HtmlOptionsPanel value={settings.html} onChange={(html) => onChange({ ...settings, html })} errorsOf={optionErrors} />
        )}
      </section>

      <div className="options-grid">
        <Select
          label={COMPRESSION_HINTS[format] ? "Whole-file compression" : "Compression"}
          value={settings.compression}
          options={COMPRESSIONS.map((value) => ({ value, label: COMPRESSION_LABELS[value] }))}
          onChange={(compression) => onChange({ ...settings, compression })}
          hint={COMPRESSION_HINTS[format]}
          errors={requestErrors("compression")}
        />
        <TextInput
          label="File name"
          value={settings.filename}
          placeholder={`${source}-… (the range and today's date)`}
          spellCheck={false}
          onChange={(filename) => onChange({ ...settings, filename })}
          hint={fileNameHint ?? (fileName ? `Saved as ${fileName}` : "Saved as …")}
          errors={requestErrors("filename")}
        />
      </div>
    </div>
  );
}
