import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { TimeRangePicker } from "../TimeRangePicker";

describe("TimeRangePicker", () => {
  it("reports an inverted custom range as a problem and keeps the last valid range", () => {
    const onChange = vi.fn();
    const onProblemChange = vi.fn();
    render(
      <TimeRangePicker
        value={{ from: "2026-11-01T10:00:00.000Z", to: "2026-11-01T12:00:00.000Z" }}
        onChange={onChange}
        onProblemChange={onProblemChange}
      />,
    );
    expect(onProblemChange).toHaveBeenLastCalledWith(undefined);
    const to = screen.getByLabelText("To") as HTMLInputElement;
    const from = screen.getByLabelText("From") as HTMLInputElement;
    fireEvent.change(to, { target: { value: from.value.replace(/T\d\d/, "T00") } });
    expect(screen.getByText("The start must be before the end.")).toBeTruthy();
    expect(onProblemChange).toHaveBeenLastCalledWith("The start must be before the end.");
    expect(onChange).not.toHaveBeenCalled();
  });
});
