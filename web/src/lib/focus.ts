import { useEffect, useRef, type RefObject } from "react";

const MESSAGE = "[role='status'], [role='alert']";

function shown(element: HTMLElement): boolean {
  return !element.closest("[hidden], [inert], [aria-hidden='true']");
}

/** Focuses `element`, making it focusable by script (tabindex=-1) when it is not, e.g. a status message. */
export function focusElement(element: HTMLElement | null | undefined): boolean {
  if (!element || !element.isConnected) return false;
  if (element.tabIndex < 0 && !element.hasAttribute("tabindex")) element.setAttribute("tabindex", "-1");
  element.focus();
  return document.activeElement === element;
}

/**
 * Moves focus to the first status or alert message (role=status / role=alert) with text inside `root`,
 * the last one when `last` is set. Returns false when there is none. Call it after an action whose
 * result is a message, so focus does not fall to <body> and a screen reader reads the outcome.
 */
export function focusMessage(root: ParentNode = document, { last = false }: { last?: boolean } = {}): boolean {
  const messages = Array.from(root.querySelectorAll<HTMLElement>(MESSAGE)).filter(
    (element) => (element.textContent ?? "").trim() !== "" && shown(element),
  );
  return focusElement(last ? messages.at(-1) : messages[0]);
}

/**
 * Focuses the element behind the returned ref whenever `key` changes to a value other than null, undefined
 * or false, once React has rendered it, e.g. `const ref = useFocusOn(mutation.error)` on the error
 * message, or `useFocusOn(job?.id)` on the status that follows a Start button.
 */
export function useFocusOn<T extends HTMLElement>(key: unknown): RefObject<T | null> {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (key === null || key === undefined || key === false) return;
    focusElement(ref.current);
  }, [key]);
  return ref;
}
