import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it, vi } from "vitest";
import { Button } from "../Button";
import { ConfirmDialog } from "../ConfirmDialog";
import { Dialog } from "../Dialog";

function Harness({ onClose = () => undefined }: { onClose?: () => void }) {
  const [open, setOpen] = useState(false);
  const [started, setStarted] = useState(false);
  return (
    <>
      <Button onClick={() => setOpen(true)}>Open</Button>
      <Dialog
        open={open}
        title="Export data"
        onClose={() => {
          onClose();
          setOpen(false);
        }}
      >
        <div className="dialog-body">
          <p role="status">{started ? "Export started." : ""}</p>
        </div>
        <footer className="dialog-footer">
          {/* Start disappears once clicked, as a Start button that turns into progress does. */}
          {!started && <Button onClick={() => setStarted(true)}>Start</Button>}
          <Button>Done</Button>
        </footer>
      </Dialog>
    </>
  );
}

describe("Dialog", () => {
  it("closes on Escape even when focus was lost to <body>, and gives focus back to its opener", async () => {
    const onClose = vi.fn();
    render(<Harness onClose={onClose} />);
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Open" }));
    expect(screen.getByRole("dialog", { name: "Export data" })).toBeInTheDocument();

    act(() => (document.activeElement as HTMLElement).blur());
    expect(document.activeElement).toBe(document.body);
    await user.keyboard("{Escape}");

    expect(onClose).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Open" })).toHaveFocus();
  });

  it("moves focus to the status message when the focused button goes away, never to <body>", async () => {
    render(<Harness />);
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Open" }));
    await user.click(screen.getByRole("button", { name: "Start" }));

    const status = screen.getByRole("status");
    expect(status).toHaveTextContent("Export started.");
    await waitFor(() => expect(status).toHaveFocus());
  });

  it("lets a control that handles Escape itself keep it", async () => {
    const onClose = vi.fn();
    render(
      <Dialog open title="Menu inside" onClose={onClose}>
        <div className="dialog-body">
          <input aria-label="Combo" onKeyDown={(event) => event.key === "Escape" && event.preventDefault()} />
        </div>
      </Dialog>,
    );
    const user = userEvent.setup();
    await user.click(screen.getByLabelText("Combo"));
    await user.keyboard("{Escape}");
    expect(onClose).not.toHaveBeenCalled();
  });

  it("closes only the innermost of two open dialogs on Escape", async () => {
    const outer = vi.fn();
    const inner = vi.fn();
    render(
      <>
        <Dialog open title="Outer" onClose={outer}>
          <div className="dialog-body">outer</div>
        </Dialog>
        <ConfirmDialog open title="Delete?" description="It cannot be undone." confirmLabel="Delete" onConfirm={() => undefined} onCancel={inner} />
      </>,
    );
    const user = userEvent.setup();
    expect(screen.getByRole("button", { name: "Cancel" })).toHaveFocus();
    await user.keyboard("{Escape}");
    expect(inner).toHaveBeenCalledTimes(1);
    expect(outer).not.toHaveBeenCalled();
  });
});

describe("ConfirmDialog", () => {
  it("moves focus to the error when the action fails, so it is read out", async () => {
    function Failing() {
      const [error, setError] = useState<unknown>(undefined);
      return (
        <ConfirmDialog
          open
          title="Delete the export?"
          description="The file is removed."
          confirmLabel="Delete"
          onConfirm={() => setError(new Error("The export is still running."))}
          onCancel={() => undefined}
          error={error}
        />
      );
    }
    render(<Failing />);
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Delete" }));
    expect(screen.getByRole("alert")).toHaveTextContent("The export is still running.");
    expect(screen.getByRole("alert")).toHaveFocus();
  });
});
