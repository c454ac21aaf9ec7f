import { Select } from "../../../../components/ui/Select";
import { TextInput } from "../../../../components/ui/TextInput";
import { COMPRESSIONS, type Compression } from "../../../../lib/export-request";
import type { ExportSettings } from "../../utils/export-settings";
import { defaultBaseName, fileExtension } from "../../utils/filename";
import { FORMAT_INFO } from "../../utils/format-defaults";
import type { FieldErrorsOf } from "../options/CommonFields";
import { DelimitedOptionsPanel } from "../options/DelimitedOptionsPanel";
import { JsonlOptionsPanel, JsonOptionsPanel } from "../options/JsonOptionsPanel";

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
}

export function OptionsStep({ source, settings, onChange, optionErrors, requestErrors }: OptionsStepProps) {
  const { format } = settings;
  const extension = fileExtension(format, settings.compression);
  const base = settings.filename.trim() || defaultBaseName(source);

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
      </section>

      <div className="options-grid">
        <Select
          label="Compression"
          value={settings.compression}
          options={COMPRESSIONS.map((value) => ({ value, label: COMPRESSION_LABELS[value] }))}
          onChange={(compression) => onChange({ ...settings, compression })}
          errors={requestErrors("compression")}
        />
        <TextInput
          label="File name"
          value={settings.filename}
          placeholder={defaultBaseName(source)}
          spellCheck={false}
          onChange={(filename) => onChange({ ...settings, filename })}
          hint={`Saved as ${base.endsWith(extension) ? base : base + extension}`}
          errors={requestErrors("filename")}
        />
      </div>
    </div>
  );
}
