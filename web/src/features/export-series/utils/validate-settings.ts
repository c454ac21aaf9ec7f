import { z } from "zod";
import type { DateFormat, DelimitedOptions } from "../../../lib/export-request";
import type { ExportSettings } from "./export-settings";
import { PARQUET_LIMITS, XLSX_LIMITS, isPartitionable } from "./format-defaults";

export type SettingsErrors = Partial<Record<string, string[]>>;

const FILENAME_FORBIDDEN = /[\\/:*?"<>|\u0000-\u001f]/;

function checkDateFormat(dateFormat: DateFormat, errors: SettingsErrors) {
  if (dateFormat.trim() === "") errors.dateFormat = ["Enter a date pattern, e.g. yyyy-MM-dd HH:mm:ss."];
}

function checkDecimals(decimals: number | null, errors: SettingsErrors) {
  if (decimals !== null && (!Number.isInteger(decimals) || decimals < 0 || decimals > 15)) {
    errors.decimals = ["Use a whole number from 0 to 15, or leave empty to keep full precision."];
  }
}

function checkDelimited(options: DelimitedOptions, errors: SettingsErrors) {
  if (options.thousandsSeparator !== "" && options.thousandsSeparator === options.decimalSeparator) {
    errors.thousandsSeparator = ["The thousands separator must differ from the decimal separator."];
  }
  if (options.decimalSeparator === options.delimiter && options.quote === "none") {
    errors.decimalSeparator = ["With no quoting, the decimal separator cannot be the delimiter."];
  }
  if (options.header === "custom" && (options.headers ?? []).every((header) => header.trim() === "")) {
    errors.headers = ["Enter at least one header name, one per line."];
  }
}

/** A whole number in [min, max]; null (an empty field) and NaN get the same message. */
function wholeNumber(min: number, max: number) {
  const message = `Use a whole number from ${min.toLocaleString("en-US")} to ${max.toLocaleString("en-US")}.`;
  return z.number({ error: message }).refine((value) => Number.isInteger(value) && value >= min && value <= max, message);
}

const metadataText = z.string().refine(
  (text) => text.split("\n").every((line) => line.trim() === "" || line.indexOf("=") > 0),
  "Write one key=value pair per line.",
);

/** Parquet: ranges of the numbers, and partition columns that exist in the export and are text or whole numbers. */
function parquetSchema(exportColumns: readonly ExportColumn[] | undefined) {
  return z
    .object({
      rowGroupSize: wholeNumber(PARQUET_LIMITS.rowGroupSize.min, PARQUET_LIMITS.rowGroupSize.max),
      pageSize: wholeNumber(PARQUET_LIMITS.pageSize.min, PARQUET_LIMITS.pageSize.max),
      metadata: metadataText,
      partitionBy: z.array(z.string()),
    })
    .superRefine(({ partitionBy }, context) => {
      if (!exportColumns) return;
      const allowed = new Set(exportColumns.filter(isPartitionable).map((column) => column.name));
      const missing = partitionBy.filter((name) => !allowed.has(name));
      if (missing.length > 0) {
        context.addIssue({
          code: "custom",
          path: ["partitionBy"],
          message: `Not a text or whole-number column of this export: ${missing.join(", ")}. Untick it.`,
        });
      }
    });
}

const SHEET_NAME_FORBIDDEN = /[[\]:*?/\\]/;

const sheetName = z
  .string()
  .trim()
  .min(1, "Enter a sheet name.")
  .max(XLSX_LIMITS.sheetName, `A sheet name has at most ${XLSX_LIMITS.sheetName} characters.`)
  .refine((name) => !SHEET_NAME_FORBIDDEN.test(name), "A sheet name cannot contain [ ] : * ? / \\.")
  .refine((name) => !name.startsWith("'") && !name.endsWith("'"), "A sheet name cannot start or end with an apostrophe.");

const formatCode = (example: string) =>
  z
    .string()
    .trim()
    .min(1, `Enter an Excel format code, e.g. ${example}.`)
    .max(XLSX_LIMITS.numberFormat, `A format code has at most ${XLSX_LIMITS.numberFormat} characters.`);

const shortText = z.string().trim().max(XLSX_LIMITS.text, `Use at most ${XLSX_LIMITS.text} characters.`);

/** Excel: sheet name rules, format codes, the row limit, and the threshold or template sheet their options need. */
const xlsxSchema = z
  .object({
    sheetName,
    title: shortText,
    author: shortText,
    dateFormat: formatCode("yyyy-mm-dd hh:mm:ss"),
    numberFormat: formatCode("#,##0.00"),
    rowsPerSheet: wholeNumber(XLSX_LIMITS.rowsPerSheet.min, XLSX_LIMITS.rowsPerSheet.max),
    conditionalFormatting: z.enum(["colorScale", "threshold", "none"]),
    threshold: z.number().refine(Number.isFinite, "Enter a number.").nullable(),
    template: z.object({ name: z.string(), size: z.number(), base64: z.string().min(1) }).nullable(),
    templateSheet: z.string(),
  })
  .superRefine((xlsx, context) => {
    if (xlsx.conditionalFormatting === "threshold" && xlsx.threshold === null) {
      context.addIssue({ code: "custom", path: ["threshold"], message: "Enter the value above which cells are highlighted." });
    }
    if (xlsx.template) {
      const result = sheetName.safeParse(xlsx.templateSheet);
      if (!result.success) {
        const message = xlsx.templateSheet.trim() === "" ? "Name the template's sheet that receives the data." : result.error.issues[0]!.message;
        context.addIssue({ code: "custom", path: ["templateSheet"], message });
      }
    }
  });

const htmlSchema = z.object({ title: shortText });

function issuesOf(schema: z.ZodType, value: unknown, errors: SettingsErrors) {
  const result = schema.safeParse(value);
  if (result.success) return;
  for (const [field, messages] of Object.entries(z.flattenError(result.error).fieldErrors as Record<string, string[]>)) {
    errors[field] = [...(errors[field] ?? []), ...messages];
  }
}

export interface ExportColumn {
  name: string;
  type: string;
}

/**
 * Problems the user can fix in the Format options step before asking the server. `exportColumns` (the preview's
 * columns, once known) lets the Parquet check see which partition columns the export really has.
 */
export function validateOptions(settings: ExportSettings, exportColumns?: readonly ExportColumn[]): SettingsErrors {
  const errors: SettingsErrors = {};
  switch (settings.format) {
    case "csv":
    case "tsv":
      checkDateFormat(settings[settings.format].dateFormat, errors);
      checkDecimals(settings[settings.format].decimals, errors);
      checkDelimited(settings[settings.format], errors);
      break;
    case "json":
    case "jsonl":
      checkDateFormat(settings[settings.format].dateFormat, errors);
      checkDecimals(settings[settings.format].decimals, errors);
      break;
    case "parquet":
      issuesOf(parquetSchema(exportColumns), settings.parquet, errors);
      break;
    case "xlsx":
      issuesOf(xlsxSchema, settings.xlsx, errors);
      break;
    case "html":
      issuesOf(htmlSchema, settings.html, errors);
      break;
    case "markdown":
    case "txt":
      break;
  }
  // A template's name may hold placeholders such as {date:yyyy-MM-dd}; the server fills them in before saving.
  if (FILENAME_FORBIDDEN.test(settings.filename.replace(/\{[a-z]+(:[^{}]*)?\}/gi, ""))) {
    errors.filename = ['A file name cannot contain \\ / : * ? " < > |.'];
  }
  return errors;
}
