import type { DateFormat, DelimitedOptions } from "../../../lib/export-request";
import type { ExportSettings } from "./export-settings";

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

/** Problems the user can fix in the Format options step before asking the server. */
export function validateOptions(settings: ExportSettings): SettingsErrors {
  const errors: SettingsErrors = {};
  const options = settings[settings.format];
  checkDateFormat(options.dateFormat, errors);
  checkDecimals(options.decimals, errors);
  if (settings.format === "csv" || settings.format === "tsv") checkDelimited(settings[settings.format], errors);
  if (FILENAME_FORBIDDEN.test(settings.filename)) {
    errors.filename = ['A file name cannot contain \\ / : * ? " < > |.'];
  }
  return errors;
}
