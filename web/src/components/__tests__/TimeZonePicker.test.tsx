import { fireEvent, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it, vi } from "vitest";
import { TimeZonePicker, filterZones, ianaTimeZones, zoneOffset } from "../TimeZonePicker";

function Harness({ initial, onChange }: { initial: string; onChange?: (zone: string) => void }) {
  const [zone, setZone] = useState(initial);
  return (
    <>
      <TimeZonePicker
        value={zone}
        onChange={(next) => {
          onChange?.(next);
          setZone(next);
        }}
      />
      <output data-testid="saved">{zone}</output>
      <button type="button">elsewhere</button>
    </>
  );
}

describe("TimeZonePicker", () => {
  it("lists every IANA name Intl knows, with UTC first", () => {
    const zones = ianaTimeZones();
    expect(zones[0]).toBe("UTC");
    expect(zones).toContain("Europe/Berlin");
    expect(zones).toContain("Australia/Lord_Howe");
    for (const zone of Intl.supportedValuesOf("timeZone")) expect(zones).toContain(zone);
    // Engines that list only Asia/Calcutta still offer the current name.
    expect(zones).toContain("Asia/Kolkata");
    expect(new Set(zones).size).toBe(zones.length);
  });

  it("computes offsets from Intl, half hours and daylight saving included", () => {
    expect(zoneOffset("UTC")).toBe("UTC+00:00");
    expect(zoneOffset("Asia/Kolkata")).toBe("UTC+05:30");
    expect(zoneOffset("Europe/Berlin", new Date("2026-01-15T12:00:00Z"))).toBe("UTC+01:00");
    expect(zoneOffset("Europe/Berlin", new Date("2026-07-15T12:00:00Z"))).toBe("UTC+02:00");
    expect(zoneOffset("America/St_Johns", new Date("2026-01-15T12:00:00Z"))).toBe("UTC-03:30");
    expect(zoneOffset("Not/AZone")).toBe("");
  });

  it("filters by name with spaces for underscores, and by offset", () => {
    const options = [
      { zone: "America/New_York", offset: "UTC-05:00" },
      { zone: "Asia/Kolkata", offset: "UTC+05:30" },
      { zone: "Europe/Berlin", offset: "UTC+01:00" },
    ];
    expect(filterZones(options, "new york").map((o) => o.zone)).toEqual(["America/New_York"]);
    expect(filterZones(options, "+05:30").map((o) => o.zone)).toEqual(["Asia/Kolkata"]);
    expect(filterZones(options, "BERL").map((o) => o.zone)).toEqual(["Europe/Berlin"]);
    expect(filterZones(options, "")).toHaveLength(3);
  });

  it("shows the chosen zone's current offset and describes the box with it", () => {
    render(<TimeZonePicker value="Asia/Kolkata" onChange={() => {}} />);
    const box = screen.getByRole("combobox", { name: "Time zone" });
    expect(box).toHaveValue("Asia/Kolkata");
    expect(box).toHaveAccessibleDescription("UTC+05:30");
    expect(box).toHaveAttribute("aria-expanded", "false");
  });

  it("filters as you type and chooses with the keyboard", async () => {
    const user = userEvent.setup();
    const onChange = vi.fn();
    render(<Harness initial="UTC" onChange={onChange} />);
    const box = screen.getByRole("combobox", { name: "Time zone" });
    await user.click(box);
    await user.keyboard("kolk");
    expect(box).toHaveAttribute("aria-expanded", "true");
    const list = screen.getByRole("listbox", { name: "Time zone choices" });
    const options = within(list).getAllByRole("option");
    expect(options.map((o) => o.textContent)).toEqual(["Asia/KolkataUTC+05:30"]);
    await user.keyboard("{ArrowDown}");
    expect(box).toHaveAttribute("aria-activedescendant", options[0]!.id);
    await user.keyboard("{Enter}");
    expect(onChange).toHaveBeenCalledTimes(1);
    expect(onChange).toHaveBeenCalledWith("Asia/Kolkata");
    expect(screen.getByTestId("saved")).toHaveTextContent("Asia/Kolkata");
    expect(box).toHaveAttribute("aria-expanded", "false");
  });

  it("chooses with a click", async () => {
    const user = userEvent.setup();
    render(<Harness initial="UTC" />);
    const box = screen.getByRole("combobox", { name: "Time zone" });
    await user.click(box);
    await user.keyboard("lord");
    await user.click(screen.getByRole("option", { name: /Australia\/Lord_Howe/ }));
    expect(screen.getByTestId("saved")).toHaveTextContent("Australia/Lord_Howe");
    expect(box).toHaveValue("Australia/Lord_Howe");
  });

  it("accepts a full name typed in any case and passes the canonical spelling", async () => {
    const user = userEvent.setup();
    const onChange = vi.fn();
    render(<Harness initial="UTC" onChange={onChange} />);
    const box = screen.getByRole("combobox", { name: "Time zone" });
    await user.click(box);
    await user.keyboard("europe/berlin");
    await user.click(screen.getByRole("button", { name: "elsewhere" }));
    expect(onChange).toHaveBeenLastCalledWith("Europe/Berlin");
    expect(box).toHaveValue("Europe/Berlin");
  });

  it("never passes a name that is not a zone, says so, and keeps the last zone on leaving", async () => {
    const user = userEvent.setup();
    const onChange = vi.fn();
    render(<Harness initial="Europe/Paris" onChange={onChange} />);
    const box = screen.getByRole("combobox", { name: "Time zone" });
    await user.click(box);
    await user.keyboard("Mars/Olympus");
    expect(screen.getByText(/No time zone matches “Mars\/Olympus”/)).toBeInTheDocument();
    expect(box).toHaveAttribute("aria-invalid", "true");
    await user.click(screen.getByRole("button", { name: "elsewhere" }));
    expect(onChange).not.toHaveBeenCalled();
    expect(box).toHaveValue("Europe/Paris");
    expect(screen.getByText("That is not a time zone name, so Europe/Paris is kept.")).toBeInTheDocument();
  });

  it("closes with Escape, then a second Escape restores the value", async () => {
    const user = userEvent.setup();
    render(<Harness initial="UTC" />);
    const box = screen.getByRole("combobox", { name: "Time zone" });
    await user.click(box);
    await user.keyboard("europe");
    expect(box).toHaveAttribute("aria-expanded", "true");
    await user.keyboard("{Escape}");
    expect(box).toHaveAttribute("aria-expanded", "false");
    expect(box).toHaveValue("europe");
    await user.keyboard("{Escape}");
    expect(box).toHaveValue("UTC");
  });

  it("follows a new value from outside and shows server errors", () => {
    const { rerender } = render(<TimeZonePicker id="tz" value="UTC" onChange={() => {}} />);
    rerender(<TimeZonePicker id="tz" value="Europe/Berlin" onChange={() => {}} errors={["Unknown time zone."]} />);
    const box = screen.getByRole("combobox", { name: "Time zone" });
    expect(box.id).toBe("tz");
    expect(box).toHaveValue("Europe/Berlin");
    expect(screen.getByText("Unknown time zone.")).toBeInTheDocument();
    fireEvent.keyDown(box, { key: "ArrowDown" });
    expect(box).toHaveAttribute("aria-expanded", "true");
    const selected = screen.getAllByRole("option").filter((o) => o.getAttribute("aria-selected") === "true");
    expect(selected.map((o) => o.textContent?.startsWith("Europe/Berlin"))).toEqual([true]);
  });
});
