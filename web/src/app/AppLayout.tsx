import type { ReactNode } from "react";
import type { User } from "../features/auth/api/user";
import { ExportTray } from "../components/ExportTray";
import { UserMenu } from "../features/auth/components/UserMenu";
import { Logo } from "./Logo";
import { routeHref, type Route } from "./navigation";

const PAGES = [
  { page: "explore", label: "Explore" },
  { page: "dashboards", label: "Dashboards" },
  { page: "history", label: "History" },
  { page: "templates", label: "Templates" },
  { page: "schedules", label: "Schedules" },
  { page: "destinations", label: "Destinations" },
] as const satisfies readonly { page: Route["page"]; label: string }[];

export function AppLayout({ user, current, children }: { user: User; current: Route["page"]; children: ReactNode }) {
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-start">
          <div className="brand">
            <Logo />
            <span>Exports</span>
          </div>
          <nav className="app-nav" aria-label="Main">
            {PAGES.map(({ page, label }) => (
              <a
                key={page}
                className="nav-link"
                href={routeHref({ page })}
                aria-current={current === page ? "page" : undefined}
              >
                {label}
              </a>
            ))}
          </nav>
        </div>
        <UserMenu email={user.email} />
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
      <ExportTray />
    </div>
  );
}
