import type { ReactNode } from "react";
import type { User } from "../features/auth/api/user";
import { UserMenu } from "../features/auth/components/UserMenu";
import { Logo } from "./Logo";

export function AppLayout({ user, children }: { user: User; children: ReactNode }) {
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="brand">
          <Logo />
          <span>Exports</span>
        </div>
        <UserMenu email={user.email} />
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
