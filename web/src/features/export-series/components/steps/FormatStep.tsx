import { RadioCards } from "../../../../components/ui/RadioCards";
import { EXPORT_FORMATS, type ExportFormat } from "../../../../lib/export-request";
import { formatBytes, formatCount } from "../../../../lib/format";
import type { SeriesPreview } from "../../api/preview-series";
import { FORMAT_INFO, LARGE_EXPORT_ROWS, recommendFormat } from "../../utils/format-defaults";

export interface FormatStepProps {
  format: ExportFormat;
  onChange: (format: ExportFormat) => void;
  preview: SeriesPreview | undefined;
}

export function FormatStep({ format, onChange, preview }: FormatStepProps) {
  const recommended = recommendFormat(preview?.estimatedRows);
  const reason =
    preview === undefined
      ? undefined
      : recommended === "jsonl"
        ? `About ${formatCount(preview.estimatedRows)} rows: more than ${formatCount(LARGE_EXPORT_ROWS)}, too many for a spreadsheet. JSON Lines can be read one line at a time.`
        : `About ${formatCount(preview.estimatedRows)} rows: small enough to open in a spreadsheet.`;

  return (
    <div className="stack">
      <RadioCards
        legend="File format"
        name="export-format"
        value={format}
        onChange={onChange}
        options={EXPORT_FORMATS.map((value) => {
          const bytes = preview?.estimatedBytes[value];
          return {
            value,
            label: FORMAT_INFO[value].label,
            hint: bytes === undefined ? FORMAT_INFO[value].bestFor : `${FORMAT_INFO[value].bestFor} About ${formatBytes(bytes)}.`,
            badge: value === recommended ? "Recommended" : undefined,
          };
        })}
      />
      {reason && <p className="muted">{reason}</p>}
    </div>
  );
}
