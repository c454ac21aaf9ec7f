import { useRef, type ReactNode } from "react";
import { errorMessage } from "../../lib/api-client";
import { useFocusOn } from "../../lib/focus";
import { Button } from "./Button";
import { Dialog } from "./Dialog";

export interface ConfirmDialogProps {
  open: boolean;
  title: ReactNode;
  /** What will happen, read out with the dialog. */
  description: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  /** Set while the action runs: the confirm button waits. */
  busy?: boolean;
  /** Why the action failed; the dialog stays open. */
  error?: unknown;
}

/** "Are you sure?" before something that cannot be undone; focus starts on Cancel and moves to the error if it fails. */
export function ConfirmDialog({ open, title, description, confirmLabel, onConfirm, onCancel, busy, error }: ConfirmDialogProps) {
  const cancelRef = useRef<HTMLButtonElement>(null);
  const errorRef = useFocusOn<HTMLParagraphElement>(error ?? undefined);
  return (
    <Dialog open={open} onClose={onCancel} title={title} description={description} initialFocusRef={cancelRef}>
      {error != null && (
        <div className="dialog-body">
          <p ref={errorRef} role="alert" tabIndex={-1} className="inline-error">
            {errorMessage(error)}
          </p>
        </div>
      )}
      <footer className="dialog-footer">
        <Button ref={cancelRef} variant="ghost" onClick={onCancel}>
          Cancel
        </Button>
        <span className="spacer" />
        <Button variant="danger" onClick={onConfirm} disabled={busy} aria-busy={busy}>
          {confirmLabel}
        </Button>
      </footer>
    </Dialog>
  );
}
