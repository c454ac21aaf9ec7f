import { Checkbox } from "../../../../components/ui/Checkbox";
import { CheckboxGroup } from "../../../../components/ui/CheckboxGroup";
import { Select } from "../../../../components/ui/Select";
import { TextArea } from "../../../../components/ui/TextArea";
import type { ParquetCodec } from "../../../../lib/export-request";
import { PARQUET_LIMITS, isPartitionable, type ParquetSettings } from "../../utils/format-defaults";
import type { ExportColumn } from "../../utils/validate-settings";
import { NumberField, type FieldErrorsOf } from "./CommonFields";

const CODEC_LABELS: Record<ParquetCodec, string> = {
  snappy: "Snappy: fast, read everywhere",
  zstd: "Zstandard: small and fast",
  lz4: "LZ4: fast, about Snappy's size",
  gzip: "gzip: small, slower",
  brotli: "Brotli: smallest, slowest",
  none: "None",
};

export interface ParquetOptionsPanelProps {
  value: ParquetSettings;
  onChange: (value: ParquetSettings) => void;
  errorsOf: FieldErrorsOf;
  /** The export's columns (after renames), once the preview knows them. */
  columns: readonly ExportColumn[] | undefined;
}

export function ParquetOptionsPanel({ value, onChange, errorsOf, columns }: ParquetOptionsPanelProps) {
  const set = <K extends keyof ParquetSettings>(key: K, next: ParquetSettings[K]) => onChange({ ...value, [key]: next });
  const partitionable = (columns ?? []).filter(isPartitionable).map((column) => column.name);
  // A column chosen before a rename or exclusion on the Data step stays listed, so it can be unticked.
  const stale = value.partitionBy.filter((name) => columns && !partitionable.includes(name));
  // The expert options stay folded unless one of them has a problem to fix.
  const advancedErrors = ["timestampUnit", "rowGroupSize", "pageSize", "deltaEncoding", "metadata"].some((name) => errorsOf(name));

  return (
    <div className="options-grid">
      <Select<ParquetCodec>
        label="Parquet compression"
        value={value.compression}
        options={(["snappy", "zstd", "lz4", "gzip", "brotli", "none"] as const).map((codec) => ({ value: codec, label: CODEC_LABELS[codec] }))}
        onChange={(compression) => set("compression", compression)}
        hint="Compresses each page inside the file; readers decompress it themselves."
        errors={errorsOf("compression")}
      />
      <div className="span-2">
        {columns ? (
          <CheckboxGroup
            legend="Partition by"
            hint="One folder per value (server=web-01/…); the download becomes a .zip. Text and whole-number columns only."
            columns={3}
            options={[
              ...partitionable.map((name) => ({ value: name, label: name })),
              ...stale.map((name) => ({ value: name, label: name, hint: "(not in this export)" })),
            ]}
            value={value.partitionBy}
            onChange={(partitionBy) => set("partitionBy", partitionBy)}
            errors={errorsOf("partitionBy")}
          />
        ) : (
          <p className="muted">Loading columns to partition by…</p>
        )}
      </div>
      <details className="span-2 advanced-fold" open={advancedErrors || undefined}>
        <summary>Advanced: precision, row groups, pages, encodings, metadata</summary>
        <div className="options-grid">
          <Select
            label="Timestamp precision"
            value={value.timestampUnit}
            options={[
              { value: "micros", label: "Microseconds" },
              { value: "millis", label: "Milliseconds" },
            ]}
            onChange={(timestampUnit) => set("timestampUnit", timestampUnit)}
            errors={errorsOf("timestampUnit")}
          />
          <NumberField
            label="Row group size"
            value={value.rowGroupSize}
            onChange={(rowGroupSize) => set("rowGroupSize", rowGroupSize)}
            min={PARQUET_LIMITS.rowGroupSize.min}
            max={PARQUET_LIMITS.rowGroupSize.max}
            hint="Rows per row group; 122,880 by default."
            errors={errorsOf("rowGroupSize")}
          />
          <NumberField
            label="Page size (bytes)"
            value={value.pageSize}
            onChange={(pageSize) => set("pageSize", pageSize)}
            min={PARQUET_LIMITS.pageSize.min}
            max={PARQUET_LIMITS.pageSize.max}
            hint="1,048,576 (1 MB) by default."
            errors={errorsOf("pageSize")}
          />
          <Select
            label="Delta encoding"
            value={value.deltaEncoding}
            options={[
              { value: "auto", label: "Automatic: where it is smaller" },
              { value: "always", label: "Always" },
              { value: "never", label: "Never" },
            ]}
            onChange={(deltaEncoding) => set("deltaEncoding", deltaEncoding)}
            hint="For timestamps and whole numbers."
            errors={errorsOf("deltaEncoding")}
          />
          <Checkbox
            label="Dictionary encoding"
            hint="Stores repeated text (server, metric) once per column chunk."
            checked={value.dictionary}
            onChange={(dictionary) => set("dictionary", dictionary)}
          />
          <TextArea
            className="span-2"
            label="File metadata"
            hint="Optional key=value pairs, one per line, stored in the file footer."
            rows={3}
            spellCheck={false}
            value={value.metadata}
            onChange={(metadata) => set("metadata", metadata)}
            errors={errorsOf("metadata")}
          />
        </div>
      </details>
    </div>
  );
}
