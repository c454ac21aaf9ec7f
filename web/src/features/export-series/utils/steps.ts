export const STEPS = ["Format", "Data", "Format options", "Delivery"] as const;

const FIELD_STEPS: readonly [RegExp, number][] = [
  [/^(formatoptions|compression|filename)\b/i, 2],
  [/^format$/i, 0],
  [/^(timeframe|shape|columns|timezone)\b/i, 1],
];

/** The dialog step where a Problem Details field (e.g. "formatOptions.delimiter") can be fixed. */
export function stepOfField(field: string): { index: number; name: string } | undefined {
  const match = FIELD_STEPS.find(([pattern]) => pattern.test(field));
  return match ? { index: match[1], name: STEPS[match[1]]! } : undefined;
}
