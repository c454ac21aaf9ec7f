import { useEffect, useRef, useState, type ReactNode } from "react";
import type { User } from "../features/auth/api/user";
import { ExportTray } from "../components/ExportTray";
import { UserMenu } from "../features/auth/components/UserMenu";
import { usePageTitle } from "../lib/use-page-title";
import { Logo } from "./Logo";
import { PAGE_LABELS, routeHref, type Route } from "./navigation";
import { ThemeSelect } from "./ThemeSelect";

const PAGES = (["explore", "sources", "dashboards", "history", "templates", "schedules", "destinations"] as const).map((page) => ({
  page,
  label: PAGE_LABELS[page],
}));

/**
 * The signed-in shell: brand, main navigation, theme and user menu in a top bar. Below 960px the navigation
 * folds behind a Menu button (a disclosure: aria-expanded, closed by choosing a page, Escape or a click
 * outside). The browser tab names the current page; a page may name itself more precisely with usePageTitle.
 */
export function AppLayout({ user, current, children }: { user: User; current: Route["page"]; children: ReactNode }) {
  usePageTitle(PAGE_LABELS[current], 0);
  const [menuOpen, setMenuOpen] = useState(false);
  const toggleRef = useRef<HTMLButtonElement>(null);
  const headerRef = useRef<HTMLElement>(null);

  useEffect(() => setMenuOpen(false), [current]);

  useEffect(() => {
    if (!menuOpen) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== "Escape" || event.defaultPrevented) return;
      setMenuOpen(false);
      toggleRef.current?.focus();
    };
    const onPointerDown = (event: PointerEvent) => {
      if (!headerRef.current?.contains(event.target as Node)) setMenuOpen(false);
    };
    document.addEventListener("keydown", onKeyDown);
    document.addEventListener("pointerdown", onPointerDown);
    return () => {
      document.removeEventListener("keydown", onKeyDown);
      document.removeEventListener("pointerdown", onPointerDown);
    };
  }, [menuOpen]);

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar" ref={headerRef}>
        <a className="brand" href={routeHref({ page: "home" })} aria-label="Exports home">
          <Logo />
          <span>Exports</span>
        </a>
        <button
          ref={toggleRef}
          type="button"
          className="btn btn-ghost nav-toggle"
          aria-expanded={menuOpen}
          aria-controls="app-menu"
          onClick={() => setMenuOpen((open) => !open)}
        >
          <span aria-hidden="true" className="nav-toggle-icon">
            {menuOpen ? "✕" : "☰"}
          </span>
          Menu
        </button>
        <div id="app-menu" className="topbar-menu" data-open={menuOpen}>
          <nav className="app-nav" aria-label="Main">
            {PAGES.map(({ page, label }) => (
              <a
                key={page}
                className="nav-link"
                href={routeHref({ page })}
                aria-current={current === page ? "page" : undefined}
                onClick={() => setMenuOpen(false)}
              >
                {label}
              </a>
            ))}
          </nav>
          <div className="topbar-end">
            <ThemeSelect />
            <UserMenu email={user.email} />
          </div>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
      {/* Global overlays that persist across pages (the export tray) are mounted here, after the main content. */}
      <ExportTray />
    </div>
  );
}
