import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { focusMessage, useFocusOn } from "../focus";

describe("focusMessage", () => {
  it("focuses the first status or alert with text, making it focusable, and says when there is none", () => {
    render(
      <div data-testid="root">
        <p role="status" />
        <p role="alert">Could not start the export.</p>
      </div>,
    );
    const root = screen.getByTestId("root");
    expect(focusMessage(root)).toBe(true);
    expect(screen.getByRole("alert")).toHaveFocus();
    expect(screen.getByRole("alert")).toHaveAttribute("tabindex", "-1");

    render(<div data-testid="empty"><p role="status" /></div>);
    expect(focusMessage(screen.getByTestId("empty"))).toBe(false);
  });
});

function Outcome({ result }: { result: string | undefined }) {
  const ref = useFocusOn<HTMLParagraphElement>(result);
  return (
    <>
      <button>Start</button>
      <p role="status" ref={ref}>
        {result}
      </p>
    </>
  );
}

describe("useFocusOn", () => {
  it("focuses its element when the key becomes set and again when it changes", () => {
    const { rerender } = render(<Outcome result={undefined} />);
    screen.getByRole("button").focus();
    rerender(<Outcome result={undefined} />);
    expect(screen.getByRole("button")).toHaveFocus();

    rerender(<Outcome result="Export started." />);
    expect(screen.getByRole("status")).toHaveFocus();

    screen.getByRole("button").focus();
    rerender(<Outcome result="Export finished." />);
    expect(screen.getByRole("status")).toHaveFocus();
  });
});
