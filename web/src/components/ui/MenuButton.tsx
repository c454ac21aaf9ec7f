import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import { Button, type ButtonProps } from "./Button";

export interface MenuItem {
  id: string;
  label: ReactNode;
  description?: ReactNode;
  onSelect: () => void;
  disabled?: boolean;
  /** Draws a separator above the item. */
  separated?: boolean;
}

export interface MenuButtonProps {
  label: ReactNode;
  items: readonly MenuItem[];
  variant?: ButtonProps["variant"];
  disabled?: boolean;
  align?: "start" | "end";
}

/** A button that opens a menu (WAI-ARIA menu button pattern: arrows, Home/End, Escape, Tab). */
export function MenuButton({ label, items, variant = "primary", disabled, align = "end" }: MenuButtonProps) {
  const [open, setOpen] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  const itemRefs = useRef<(HTMLButtonElement | null)[]>([]);
  const focusIndex = useRef(0);
  const menuId = useId();
  const buttonId = useId();

  const enabled = items.map((item, index) => (item.disabled ? -1 : index)).filter((index) => index >= 0);

  const focusItem = (index: number) => {
    focusIndex.current = index;
    itemRefs.current[index]?.focus();
  };

  const openMenu = (at: "first" | "last") => {
    focusIndex.current = (at === "first" ? enabled[0] : enabled[enabled.length - 1]) ?? 0;
    setOpen(true);
  };

  const close = (returnFocus: boolean) => {
    setOpen(false);
    if (returnFocus) buttonRef.current?.focus();
  };

  useEffect(() => {
    if (!open) return;
    itemRefs.current[focusIndex.current]?.focus();
    const onPointerDown = (event: MouseEvent) => {
      const target = event.target as Node;
      if (!menuRef.current?.contains(target) && !buttonRef.current?.contains(target)) setOpen(false);
    };
    document.addEventListener("mousedown", onPointerDown);
    return () => document.removeEventListener("mousedown", onPointerDown);
  }, [open]);

  const onButtonKeyDown = (event: KeyboardEvent<HTMLButtonElement>) => {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      openMenu("first");
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      openMenu("last");
    }
  };

  const onMenuKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const position = enabled.indexOf(focusIndex.current);
    const move = (to: number | undefined) => {
      event.preventDefault();
      if (to !== undefined) focusItem(to);
    };
    switch (event.key) {
      case "ArrowDown":
        return move(enabled[(position + 1) % enabled.length]);
      case "ArrowUp":
        return move(enabled[(position - 1 + enabled.length) % enabled.length]);
      case "Home":
        return move(enabled[0]);
      case "End":
        return move(enabled[enabled.length - 1]);
      case "Escape":
        event.preventDefault();
        event.stopPropagation();
        return close(true);
      case "Tab":
        return close(false);
    }
  };

  const select = (item: MenuItem) => {
    close(true);
    item.onSelect();
  };

  return (
    <div className="menu-anchor">
      <Button
        ref={buttonRef}
        id={buttonId}
        variant={variant}
        disabled={disabled}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        onClick={() => (open ? close(false) : openMenu("first"))}
        onKeyDown={onButtonKeyDown}
      >
        {label}
        <span className="caret" aria-hidden="true">
          ▾
        </span>
      </Button>
      {open && (
        <div
          ref={menuRef}
          id={menuId}
          role="menu"
          aria-labelledby={buttonId}
          className={`menu menu-${align}`}
          onKeyDown={onMenuKeyDown}
        >
          {items.map((item, index) => (
            <div key={item.id} role="none">
              {item.separated && <div role="separator" className="menu-separator" />}
              <button
                ref={(element) => {
                  itemRefs.current[index] = element;
                }}
                type="button"
                role="menuitem"
                tabIndex={-1}
                disabled={item.disabled}
                className="menu-item"
                aria-labelledby={`${menuId}-${item.id}`}
                aria-describedby={item.description ? `${menuId}-${item.id}-description` : undefined}
                onClick={() => select(item)}
                onFocus={() => (focusIndex.current = index)}
              >
                <span id={`${menuId}-${item.id}`} className="menu-item-label">
                  {item.label}
                </span>
                {item.description && (
                  <span id={`${menuId}-${item.id}-description`} className="menu-item-description">
                    {item.description}
                  </span>
                )}
              </button>
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
