import { Checkbox } from "../../../../components/ui/Checkbox";
import { Select } from "../../../../components/ui/Select";
import { TextArea } from "../../../../components/ui/TextArea";
import type { DelimitedOptions } from "../../../../lib/export-request";
import { DateFormatField, DecimalsField, type FieldErrorsOf } from "./CommonFields";

export interface DelimitedOptionsPanelProps {
  format: "csv" | "tsv";
  value: DelimitedOptions;
  onChange: (value: DelimitedOptions) => void;
  errorsOf: FieldErrorsOf;
}

export function DelimitedOptionsPanel({ format, value, onChange, errorsOf }: DelimitedOptionsPanelProps) {
  const set = <K extends keyof DelimitedOptions>(key: K, next: DelimitedOptions[K]) => onChange({ ...value, [key]: next });

  return (
    <div className="options-grid">
      {format === "csv" && (
        <Select
          label="Delimiter"
          value={value.delimiter}
          options={[
            { value: ",", label: "Comma (,)" },
            { value: ";", label: "Semicolon (;)" },
            { value: "\t", label: "Tab" },
            { value: "|", label: "Pipe (|)" },
          ]}
          onChange={(delimiter) => set("delimiter", delimiter)}
          errors={errorsOf("delimiter")}
        />
      )}
      <Select
        label="Header row"
        value={value.header}
        options={[
          { value: "on", label: "Column names" },
          { value: "off", label: "No header row" },
          { value: "custom", label: "Custom names" },
        ]}
        onChange={(header) => set("header", header)}
        errors={errorsOf("header")}
      />
      {value.header === "custom" && (
        <TextArea
          className="span-2"
          label="Header names"
          hint="One per line, in column order."
          rows={4}
          value={(value.headers ?? []).join("\n")}
          onChange={(text) => set("headers", text.split("\n"))}
          errors={errorsOf("headers")}
        />
      )}
      <Select
        label="Quoting"
        value={value.quote}
        options={[
          { value: "minimal", label: "Only when needed" },
          { value: "all", label: "Every field" },
          { value: "none", label: "Never" },
        ]}
        onChange={(quote) => set("quote", quote)}
        errors={errorsOf("quote")}
      />
      <Select
        label="Quote escaping"
        value={value.escape}
        options={[
          { value: "double", label: 'Double it ("")' },
          { value: "backslash", label: 'Backslash (\\")' },
        ]}
        onChange={(escape) => set("escape", escape)}
        errors={errorsOf("escape")}
      />
      <Select
        label="Line ending"
        value={value.lineTerminator}
        options={[
          { value: "\n", label: "LF (Linux, macOS)" },
          { value: "\r\n", label: "CRLF (Windows)" },
        ]}
        onChange={(lineTerminator) => set("lineTerminator", lineTerminator)}
        errors={errorsOf("lineTerminator")}
      />
      <Select
        label="Encoding"
        value={value.encoding}
        options={[
          { value: "utf-8", label: "UTF-8" },
          { value: "utf-8-bom", label: "UTF-8 with BOM (Excel)" },
          { value: "utf-16", label: "UTF-16" },
          { value: "ascii", label: "ASCII" },
        ]}
        onChange={(encoding) => set("encoding", encoding)}
        errors={errorsOf("encoding")}
      />
      <DateFormatField value={value.dateFormat} onChange={(dateFormat) => set("dateFormat", dateFormat)} errorsOf={errorsOf} />
      <DecimalsField value={value.decimals} onChange={(decimals) => set("decimals", decimals)} errorsOf={errorsOf} />
      <Select
        label="Decimal separator"
        value={value.decimalSeparator}
        options={[
          { value: ".", label: "Point (1.5)" },
          { value: ",", label: "Comma (1,5)" },
        ]}
        onChange={(decimalSeparator) => set("decimalSeparator", decimalSeparator)}
        errors={errorsOf("decimalSeparator")}
      />
      <Select
        label="Thousands separator"
        value={value.thousandsSeparator}
        options={[
          { value: "", label: "None (1234567)" },
          { value: ",", label: "Comma (1,234,567)" },
          { value: ".", label: "Point (1.234.567)" },
          { value: " ", label: "Space (1 234 567)" },
        ]}
        onChange={(thousandsSeparator) => set("thousandsSeparator", thousandsSeparator)}
        errors={errorsOf("thousandsSeparator")}
      />
      <div className="span-2">
        <Checkbox
          label="Guard against spreadsheet formulas"
          hint="Text starting with = + - @ gets a leading ' so spreadsheets do not run it."
          checked={value.formulaGuard}
          onChange={(formulaGuard) => set("formulaGuard", formulaGuard)}
        />
      </div>
    </div>
  );
}
