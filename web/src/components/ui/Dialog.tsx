import { useEffect, useId, useRef, type KeyboardEvent, type ReactNode, type RefObject } from "react";
import { createPortal } from "react-dom";
import { focusElement, focusMessage } from "../../lib/focus";
import { focusableWithin } from "./focusable";

/** Open dialogs, innermost last: Escape and focus recovery belong to the innermost one. */
const openDialogs: HTMLElement[] = [];

export interface DialogProps {
  open: boolean;
  onClose: () => void;
  title: ReactNode;
  description?: ReactNode;
  /** Receives focus when the dialog opens; defaults to the first focusable element. */
  initialFocusRef?: RefObject<HTMLElement | null>;
  size?: "md" | "lg";
  children: ReactNode;
}

/**
 * A modal dialog: labelled by its title, Escape closes it (listened for on the document, so it works even
 * when focus was lost to <body>), Tab stays inside, the page behind is inert, and focus returns to where it
 * was when the dialog closes. When the focused control disappears or is disabled (a Start button that
 * turns into progress), focus moves to the dialog's status or alert message, else its first control,
 * never to <body>. On phones (max-width 600px) it is a full-screen sheet whose footer stays in view.
 * Children lay themselves out with the `dialog-body` and `dialog-footer` classes.
 */
export function Dialog(props: DialogProps) {
  if (!props.open) return null;
  return createPortal(<DialogPanel {...props} />, document.body);
}

function DialogPanel({ onClose, title, description, initialFocusRef, size = "md", children }: DialogProps) {
  const titleId = useId();
  const descriptionId = useId();
  const panelRef = useRef<HTMLDivElement>(null);
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    const panel = panelRef.current;
    if (!panel) return;
    openDialogs.push(panel);
    const innermost = () => openDialogs.at(-1) === panel;

    const onDocumentKeyDown = (event: globalThis.KeyboardEvent) => {
      if (event.key !== "Escape" || event.defaultPrevented || !innermost()) return;
      // A focused control that handles Escape itself (an open menu, a listbox) stops it first.
      event.preventDefault();
      onCloseRef.current();
    };

    // Focus lost to <body> (the focused button was removed or disabled): bring it back to the message
    // that says what happened, else to the first control, once React has finished rendering.
    let frame = 0;
    const recover = () => {
      frame = 0;
      const active = document.activeElement;
      if (!panel.isConnected || !innermost() || (active && active !== document.body)) return;
      if (!focusMessage(panel)) focusElement(focusableWithin(panel)[0] ?? panel);
    };
    const onFocusOut = (event: FocusEvent) => {
      if (event.relatedTarget === null && !frame) frame = requestAnimationFrame(recover);
    };
    // A disabled button loses focus without a focusout event in some browsers: check after each change.
    const observer = new MutationObserver(() => {
      if (!frame && (document.activeElement === document.body || document.activeElement === null)) {
        frame = requestAnimationFrame(recover);
      }
    });
    observer.observe(panel, { subtree: true, childList: true, attributes: true, attributeFilter: ["disabled", "hidden"] });

    document.addEventListener("keydown", onDocumentKeyDown);
    panel.addEventListener("focusout", onFocusOut);
    return () => {
      document.removeEventListener("keydown", onDocumentKeyDown);
      panel.removeEventListener("focusout", onFocusOut);
      observer.disconnect();
      if (frame) cancelAnimationFrame(frame);
      openDialogs.splice(openDialogs.indexOf(panel), 1);
    };
  }, []);

  useEffect(() => {
    const previouslyFocused = document.activeElement as HTMLElement | null;
    const backdrop = panelRef.current?.parentElement;
    const outside = Array.from(document.body.children).filter(
      (element) => element !== backdrop && !element.hasAttribute("inert"),
    );
    outside.forEach((element) => element.setAttribute("inert", ""));

    const panel = panelRef.current;
    const target = initialFocusRef?.current ?? (panel ? focusableWithin(panel)[0] : undefined) ?? panel;
    target?.focus();

    return () => {
      outside.forEach((element) => element.removeAttribute("inert"));
      previouslyFocused?.focus?.();
    };
    // Runs once per opening; the ref is read when the dialog opens.
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key !== "Tab" || !panelRef.current) return;
    const focusable = focusableWithin(panelRef.current);
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (!first || !last) {
      event.preventDefault();
      return;
    }
    const active = document.activeElement;
    if (event.shiftKey && (active === first || active === panelRef.current)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && active === last) {
      event.preventDefault();
      first.focus();
    }
  };

  return (
    <div className="dialog-backdrop">
      <div
        ref={panelRef}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={description ? descriptionId : undefined}
        tabIndex={-1}
        className={`dialog dialog-${size}`}
        onKeyDown={onKeyDown}
      >
        <header className="dialog-header">
          <h2 id={titleId} className="dialog-title">
            {title}
          </h2>
          {description && (
            <p id={descriptionId} className="dialog-description">
              {description}
            </p>
          )}
          <button type="button" className="btn btn-ghost btn-icon dialog-close" aria-label="Close" onClick={onClose}>
            <span aria-hidden="true">×</span>
          </button>
        </header>
        {children}
      </div>
    </div>
  );
}
