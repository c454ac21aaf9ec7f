import { describe, expect, it } from "vitest";
import { formatInstant, formatInstantPrecise } from "../format";

describe("formatInstantPrecise", () => {
  it("shows the seconds and the zone", () => {
    expect(formatInstantPrecise("2026-11-30T09:00:05Z", "UTC")).toBe("Nov 30, 2026, 9:00:05 AM UTC");
    expect(formatInstantPrecise("2026-11-30T09:00:05Z", "America/New_York")).toBe("Nov 30, 2026, 4:00:05 AM EST");
    expect(formatInstantPrecise("2026-07-01T09:00:05+02:00", "America/New_York")).toBe("Jul 1, 2026, 3:00:05 AM EDT");
  });

  it("uses the browser's zone when given none, and says which", () => {
    const zone = new Intl.DateTimeFormat(undefined, { timeZoneName: "short" })
      .formatToParts(new Date("2026-11-30T09:00:05Z"))
      .find((part) => part.type === "timeZoneName")!.value;
    expect(formatInstantPrecise("2026-11-30T09:00:05Z")).toMatch(new RegExp(`:05 [AP]M ${zone.replace("+", "\\+")}$`));
  });

  it("leaves what is not an instant alone", () => {
    expect(formatInstantPrecise(null)).toBe("–");
    expect(formatInstantPrecise("")).toBe("–");
    expect(formatInstantPrecise("soon")).toBe("soon");
  });

  it("does not change formatInstant, which other pages use: minutes, no zone", () => {
    expect(formatInstant("2026-11-30T09:00:05Z")).not.toMatch(/:05|UTC|GMT/);
  });
});
